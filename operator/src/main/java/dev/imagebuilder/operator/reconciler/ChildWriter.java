package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Creates, updates and deletes children, a bounded number at a time, and tells the informer about
 * each write so that the next pass does not take its own writes for missing ones. It never takes
 * over an object that another controller, or nobody, controls.
 */
final class ChildWriter {

  /** Told of each child written, as the API server returned it: the informer's cache. */
  interface Echo {
    Echo NONE = new Echo() {
      @Override
      public void created(ImagePipelineExecution child) {}

      @Override
      public void updated(ImagePipelineExecution child, ImagePipelineExecution previous) {}
    };

    void created(ImagePipelineExecution child);

    void updated(ImagePipelineExecution child, ImagePipelineExecution previous);

    static Echo of(InformerEventSource<ImagePipelineExecution, ImagePipelineWatch> informer) {
      return new Echo() {
        @Override
        public void created(ImagePipelineExecution child) {
          informer.handleRecentResourceCreate(ResourceID.fromResource(child), child);
        }

        @Override
        public void updated(ImagePipelineExecution child, ImagePipelineExecution previous) {
          informer.handleRecentResourceUpdate(ResourceID.fromResource(child), child, previous);
        }
      };
    }
  }

  private static final String KIND = "ImagePipelineExecution";

  /** Answers that no retry can change: the child itself is refused. */
  private static final Set<Integer> PERMANENT = Set.of(400, 413, 422);

  /**
   * How the writes went; failures are counted, never thrown, so the other writes still land.
   *
   * @param failures transient failures, worth a retry of the poll
   * @param rejected children the API server refused for good, with the ECS answer they came from
   * @param taken names held by objects this watch does not control
   */
  record Result(int written, List<String> failures, Map<String, EcsExecution> rejected, List<String> rejectedDetails, List<String> taken) {}

  private final ExecutorService writers;
  private final OperatorMetrics metrics;

  ChildWriter(ExecutorService writers, OperatorMetrics metrics) {
    this.writers = writers;
    this.metrics = metrics;
  }

  /** Writes started one by one as they are known, and awaited together. */
  final class Batch {
    private final KubernetesClient client;
    private final ImagePipelineWatch watch;
    private final ExecutionChildren.Owner owner;
    private final Echo cache;
    private final URL createUrl;
    private final List<CompletableFuture<Outcome>> pending = new ArrayList<>();
    /** The last write added for each child name: a later write to the same name runs after it. */
    private final Map<String, CompletableFuture<Outcome>> lastByName = new HashMap<>();

    private Batch(
        KubernetesClient client,
        ImagePipelineWatch watch,
        ExecutionChildren.Owner owner,
        Echo cache) {
      this.client = client;
      this.watch = watch;
      this.owner = owner;
      this.cache = cache;
      this.createUrl = ChildCreate.url(client, watch.getMetadata().getNamespace());
    }

    /**
     * Starts the writes on the writers' pool; they run while the caller goes on. Writes to one name
     * run in the order they were added: a page may write a name whose owner the end of the listing
     * decides otherwise, and that later write must land last.
     */
    synchronized void addAll(List<PollPlan.Write> writes) {
      for (var write : writes) {
        var previous = lastByName.get(write.name());
        var future = previous == null
            ? CompletableFuture.supplyAsync(() -> write(client, watch, owner, createUrl, write, cache), writers)
            : previous.handleAsync((done, failed) -> write(client, watch, owner, createUrl, write, cache), writers);
        lastByName.put(write.name(), future);
        pending.add(future);
      }
    }

    /** Waits for every write added so far. */
    synchronized Result await() {
      int written = 0;
      List<String> failures = new ArrayList<>();
      Map<String, EcsExecution> rejected = new LinkedHashMap<>();
      List<String> details = new ArrayList<>();
      List<String> taken = new ArrayList<>();
      for (var future : pending) {
        Outcome outcome = future.join();
        switch (outcome.kind) {
          case WRITTEN -> written++;
          case SKIPPED -> {}
          case TAKEN -> taken.add(outcome.write.name());
          case REJECTED -> {
            if (outcome.write.source() != null) {
              rejected.put(outcome.write.name(), outcome.write.source());
            }
            details.add(outcome.detail);
          }
          case FAILED -> failures.add(outcome.detail);
        }
      }
      pending.clear();
      return new Result(written, failures, rejected, details, taken);
    }
  }

  Batch batch(
      KubernetesClient client,
      ImagePipelineWatch watch,
      ExecutionChildren.Owner owner,
      Echo cache) {
    return new Batch(client, watch, owner, cache);
  }

  private enum Kind {
    WRITTEN,
    SKIPPED,
    TAKEN,
    REJECTED,
    FAILED
  }

  private record Outcome(Kind kind, PollPlan.Write write, String detail) {}

  private Outcome write(
      KubernetesClient client,
      ImagePipelineWatch watch,
      ExecutionChildren.Owner owner,
      URL createUrl,
      PollPlan.Write write,
      Echo cache) {
    var children = client.resources(ImagePipelineExecution.class).inNamespace(watch.getMetadata().getNamespace());
    var desired = write.desired();
    try {
      if (desired == null) {
        // Pruned by the history limits; the informer drops it from the cache when the delete lands.
        children.resource(write.existing()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        metrics.kubernetesWrite(KIND, "delete");
        return new Outcome(Kind.WRITTEN, write, null);
      }
      if (write.existing() == null) {
        try {
          var created = ChildCreate.create(client, createUrl, desired);
          metrics.kubernetesWrite(KIND, "create");
          cache.created(created);
          return new Outcome(Kind.WRITTEN, write, null);
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
            throw e;
          }
          // Already there: this watch's own child the cache has not seen yet (after a restart, or
          // written by an older version), or an object someone else holds, which is left alone.
          var current = children.withName(desired.getMetadata().getName()).get();
          if (current == null) {
            return new Outcome(Kind.FAILED, write, write.name() + ": deleted while being created");
          }
          if (!ExecutionChildren.ownedBy(current, owner)) {
            metrics.childWriteError("NameTaken");
            return new Outcome(Kind.TAKEN, write, null);
          }
          if (ExecutionChildren.upToDate(current, desired)) {
            return new Outcome(Kind.SKIPPED, write, null);
          }
          return update(children.resource(ExecutionChildren.update(current, desired)), current, write, cache);
        }
      }
      return update(children.resource(ExecutionChildren.update(write.existing(), desired)), write.existing(), write, cache);
    } catch (KubernetesClientException e) {
      String detail = write.name() + ": " + shortReason(e);
      if (PERMANENT.contains(e.getCode())) {
        metrics.childWriteError("Rejected");
        return new Outcome(Kind.REJECTED, write, detail);
      }
      metrics.childWriteError(e.getCode() == HttpURLConnection.HTTP_CONFLICT ? "Conflict" : "Unavailable");
      return new Outcome(Kind.FAILED, write, detail);
    } catch (RuntimeException e) {
      metrics.childWriteError("Unavailable");
      return new Outcome(Kind.FAILED, write, write.name() + ": " + e.getClass().getSimpleName());
    }
  }

  private Outcome update(
      io.fabric8.kubernetes.client.dsl.Resource<ImagePipelineExecution> resource,
      ImagePipelineExecution previous,
      PollPlan.Write write,
      Echo cache) {
    var updated = resource.update();
    metrics.kubernetesWrite(KIND, "update");
    cache.updated(updated, previous);
    return new Outcome(Kind.WRITTEN, write, null);
  }

  private static String shortReason(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getReason() != null) {
      String message = e.getStatus().getMessage();
      return e.getStatus().getReason() + (message == null ? "" : " (" + EcsExecution.cut(message, 200) + ")");
    }
    return "HTTP " + e.getCode();
  }
}
