package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Creates and updates children, a bounded number at a time, and tells the informer about each
 * write so that the next pass does not take its own writes for missing ones.
 */
final class ChildWriter {

  private static final String KIND = "ImagePipelineExecution";

  /** One child to write: {@code existing} is null for a create, {@code desired} for a delete. */
  record Write(ImagePipelineExecution existing, ImagePipelineExecution desired) {
    static Write delete(ImagePipelineExecution existing) {
      return new Write(existing, null);
    }
  }

  /** How the writes went; failures are counted, never thrown, so the other writes still land. */
  record Result(int written, List<String> failures) {
    Result plus(Result other) {
      List<String> both = new ArrayList<>(failures);
      both.addAll(other.failures);
      return new Result(written + other.written, both);
    }
  }

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
    private final InformerEventSource<ImagePipelineExecution, ImagePipelineWatch> cache;
    private final List<CompletableFuture<Outcome>> pending = new ArrayList<>();

    private Batch(
        KubernetesClient client,
        ImagePipelineWatch watch,
        InformerEventSource<ImagePipelineExecution, ImagePipelineWatch> cache) {
      this.client = client;
      this.watch = watch;
      this.cache = cache;
    }

    /** Starts the write on the writers' pool; it runs while the caller goes on. */
    void add(Write write) {
      pending.add(CompletableFuture.supplyAsync(() -> write(client, watch, write, cache), writers));
    }

    /** Waits for every write added so far. */
    Result await() {
      int written = 0;
      List<String> failures = new ArrayList<>();
      for (var future : pending) {
        Outcome outcome = future.join();
        switch (outcome.kind) {
          case WRITTEN -> written++;
          case SKIPPED -> {}
          case FAILED -> failures.add(outcome.detail);
        }
      }
      return new Result(written, failures);
    }
  }

  Batch batch(
      KubernetesClient client,
      ImagePipelineWatch watch,
      InformerEventSource<ImagePipelineExecution, ImagePipelineWatch> cache) {
    return new Batch(client, watch, cache);
  }

  private enum Kind {
    WRITTEN,
    SKIPPED,
    FAILED
  }

  private record Outcome(Kind kind, String detail) {}

  private Outcome write(
      KubernetesClient client,
      ImagePipelineWatch watch,
      Write write,
      InformerEventSource<ImagePipelineExecution, ImagePipelineWatch> cache) {
    var children = client.resources(ImagePipelineExecution.class).inNamespace(watch.getMetadata().getNamespace());
    var desired = write.desired();
    try {
      if (desired == null) {
        // Pruned by the history limits; the informer drops it from the cache when the delete lands.
        children.resource(write.existing()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        metrics.kubernetesWrite(KIND, "delete");
        return new Outcome(Kind.WRITTEN, null);
      }
      if (write.existing() == null) {
        try {
          var created = children.resource(desired).create();
          metrics.kubernetesWrite(KIND, "create");
          cache.handleRecentResourceCreate(ResourceID.fromResource(created), created);
          return new Outcome(Kind.WRITTEN, null);
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
            throw e;
          }
          // Already there: the cache had not caught up, or another watch owns that execution.
          var current = children.withName(desired.getMetadata().getName()).get();
          if (current == null || ExecutionChildren.controlledByOther(current, watch)) {
            return new Outcome(Kind.SKIPPED, null);
          }
          if (ExecutionChildren.upToDate(current, desired)) {
            return new Outcome(Kind.SKIPPED, null);
          }
          return update(children.resource(ExecutionChildren.update(current, desired)), current, cache);
        }
      }
      return update(children.resource(ExecutionChildren.update(write.existing(), desired)), write.existing(), cache);
    } catch (KubernetesClientException e) {
      var child = desired != null ? desired : write.existing();
      return new Outcome(Kind.FAILED, child.getMetadata().getName() + ": " + shortReason(e));
    }
  }

  private Outcome update(
      io.fabric8.kubernetes.client.dsl.Resource<ImagePipelineExecution> resource,
      ImagePipelineExecution previous,
      InformerEventSource<ImagePipelineExecution, ImagePipelineWatch> cache) {
    var updated = resource.update();
    metrics.kubernetesWrite(KIND, "update");
    cache.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, previous);
    return new Outcome(Kind.WRITTEN, null);
  }

  private static String shortReason(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getReason() != null ? e.getStatus().getReason() : "HTTP " + e.getCode();
  }
}
