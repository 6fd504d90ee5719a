package dev.imagebuilder.operator.bench;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows the watches of one namespace through a Kubernetes watch, and notes when each was first
 * seen to have handled a given poll request ({@code status.lastHandledReconcileAt}), so that the
 * end of a pass is timed by the event that shows it rather than by polling the API server.
 */
final class WatchTracker implements AutoCloseable {

  private final Map<String, Long> handledAt = new ConcurrentHashMap<>();
  private final Map<String, ImagePipelineWatch> latest = new ConcurrentHashMap<>();
  private final Map<String, Long> latestAt = new ConcurrentHashMap<>();
  private final Watch watch;
  private volatile String closedBecause;

  WatchTracker(KubernetesClient client, String namespace) {
    watch =
        client
            .resources(ImagePipelineWatch.class)
            .inNamespace(namespace)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ImagePipelineWatch w) {
                    long now = System.nanoTime();
                    latest.put(w.getMetadata().getName(), w);
                    latestAt.put(w.getMetadata().getName(), now);
                    if (w.getStatus() != null && w.getStatus().getLastHandledReconcileAt() != null) {
                      handledAt.putIfAbsent(key(w.getMetadata().getName(), w.getStatus().getLastHandledReconcileAt()), now);
                    }
                    synchronized (WatchTracker.this) {
                      WatchTracker.this.notifyAll();
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    closedBecause = String.valueOf(cause);
                    synchronized (WatchTracker.this) {
                      WatchTracker.this.notifyAll();
                    }
                  }
                });
  }

  private static String key(String name, String token) {
    return name + "\u0000" + token;
  }

  /** The System.nanoTime at which the watch was first seen having handled {@code token}. */
  long awaitHandled(String name, String token, Duration timeout, ChildJvm operator) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (true) {
        Long at = handledAt.get(key(name, token));
        if (at != null) {
          return at;
        }
        if (closedBecause != null) {
          throw new IllegalStateException("the bench's watch closed: " + closedBecause);
        }
        if (operator != null && !operator.isAlive()) {
          throw new IllegalStateException("the operator exited:\n" + operator.tail());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "watch " + name + " did not handle poll " + token + " in " + timeout
                  + (operator == null ? "" : "; operator output:\n" + operator.tail()));
        }
        try {
          wait(Math.min(200, Math.max(1, left / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /**
   * The System.nanoTime at which the watch was first seen in a state that {@code test} accepts
   * (checked on the latest state each time an event arrives), e.g. a scheduled poll's status.
   */
  long awaitState(String name, java.util.function.Predicate<ImagePipelineWatch> test, Duration timeout, ChildJvm operator) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (true) {
        var w = latest.get(name);
        if (w != null && test.test(w)) {
          return latestAt.get(name);
        }
        if (closedBecause != null) {
          throw new IllegalStateException("the bench's watch closed: " + closedBecause);
        }
        if (operator != null && !operator.isAlive()) {
          throw new IllegalStateException("the operator exited:\n" + operator.tail());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("watch " + name + " did not reach the awaited state in " + timeout
              + (operator == null ? "" : "; operator output:\n" + operator.tail()));
        }
        try {
          wait(Math.min(200, Math.max(1, left / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** The Ready condition's reason in the latest state seen, e.g. "Synced". */
  String readyReason(String name) {
    var w = latest.get(name);
    if (w == null || w.getStatus() == null || w.getStatus().getConditions() == null) {
      return "none";
    }
    return w.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready"))
        .map(Condition::getReason)
        .findFirst()
        .orElse("none");
  }

  ImagePipelineWatch latest(String name) {
    return latest.get(name);
  }

  @Override
  public void close() {
    watch.close();
  }
}
