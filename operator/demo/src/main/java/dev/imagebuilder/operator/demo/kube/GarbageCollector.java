package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Background cascading deletion, as the cluster's garbage collector and namespace controller do it. When an
 * object is removed from the store (after its finalizers are gone):
 * <ul>
 * <li>every stored object, of any kind, whose {@code metadata.ownerReferences} names its uid is deleted once
 * none of its other owners still exists, which recurses through the dependents' own removals; with
 * {@code propagationPolicy: Orphan} the owner reference is removed from the dependents instead;</li>
 * <li>a removed Namespace takes every object in it along;</li>
 * <li>a removed CustomResourceDefinition takes its custom resources along.</li>
 * </ul>
 * Deletions go through the store like a client's (finalizers respected, watchers notified) on one background
 * thread, so a {@code kubectl delete} returns before the dependents are gone, as with the default background
 * propagation.
 */
final class GarbageCollector implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

  private final Store store;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "embedded-kubernetes-gc");
    t.setDaemon(true);
    return t;
  });

  GarbageCollector(Store store) {
    this.store = store;
    store.onRemoval(this::removed);
  }

  private void removed(JsonNode object) {
    if (!worker.isShutdown()) {
      worker.execute(() -> {
        try {
          collect(object);
        } catch (RuntimeException e) {
          LOG.warn("garbage collection after removing {} failed", object.path("metadata").path("name"), e);
        }
      });
    }
  }

  private void collect(JsonNode removed) {
    JsonNode metadata = removed.path("metadata");
    String uid = metadata.path("uid").asText();
    String kind = removed.path("kind").asText();
    String apiVersion = removed.path("apiVersion").asText();
    List<Store.StoredObject> objects = store.snapshot();

    if (kind.equals("Namespace") && apiVersion.equals("v1")) {
      String namespace = metadata.path("name").asText();
      objects.stream()
          .filter(o -> namespace.equals(o.object().path("metadata").path("namespace").asText(null)))
          .forEach(o -> store.delete(o.path()));
    }
    if (kind.equals("CustomResourceDefinition")) {
      String prefix = "/apis/" + removed.path("spec").path("group").asText() + "/";
      String plural = "/" + removed.path("spec").path("names").path("plural").asText() + "/";
      objects.stream()
          .filter(o -> o.path().startsWith(prefix) && o.path().contains(plural))
          .forEach(o -> store.delete(o.path()));
    }

    boolean orphan = store.takeOrphaned(uid);
    Set<String> existing = new HashSet<>();
    objects.forEach(o -> existing.add(o.object().path("metadata").path("uid").asText()));
    for (Store.StoredObject o : objects) {
      ArrayNode owners = ownerReferences(o.object());
      int index = indexOf(owners, uid);
      if (index < 0) {
        continue;
      }
      if (orphan) {
        store.jsonPatch(o.path(), JsonNodeFactory.instance.arrayNode().add(JsonNodeFactory.instance.objectNode()
            .put("op", "remove").put("path", "/metadata/ownerReferences/" + index)).toString());
        continue;
      }
      boolean otherOwnerAlive = false;
      for (JsonNode owner : owners) {
        String ownerUid = owner.path("uid").asText();
        otherOwnerAlive |= !ownerUid.equals(uid) && existing.contains(ownerUid);
      }
      if (!otherOwnerAlive) {
        LOG.debug("deleting {} owned by {} {}", o.path(), kind, metadata.path("name").asText());
        store.delete(o.path());
      }
    }
  }

  private static ArrayNode ownerReferences(JsonNode object) {
    JsonNode owners = object.path("metadata").path("ownerReferences");
    return owners.isArray() ? (ArrayNode) owners : JsonNodeFactory.instance.arrayNode();
  }

  private static int indexOf(ArrayNode owners, String uid) {
    for (int i = 0; i < owners.size(); i++) {
      if (uid.equals(owners.get(i).path("uid").asText())) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public void close() {
    worker.shutdownNow();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
