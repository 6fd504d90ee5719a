package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.ecs.EcsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/troubleshooting.md has a section, headed by the reason itself, for every reason the
 * operator can put on a watch's Ready, Stalled or Reconciling condition: those of each kind of ECS
 * failure, and those written out where the reconciler stalls or retries a watch and where a
 * watch's credentials are refused. A new reason without a section fails here.
 */
class TroubleshootingGuideTest {

  static final Path GUIDE = Path.of("..", "docs", "troubleshooting.md");
  static final Path SOURCES = Path.of("src", "main", "java", "dev", "imagebuilder", "operator", "reconciler");

  /** The first capitalised string literal of a stalled(...) or retry(...) call: its reason. */
  static final Pattern STALLED_OR_RETRIED = Pattern.compile("\\b(?:stalled|retry)\\([^;]*?\"([A-Z][A-Za-z]+)\"");
  static final Pattern UNUSABLE = Pattern.compile("new Unusable\\(\\s*\"([A-Za-z]+)\"");

  @Test
  void everyReasonAWatchCanShowHasASection() throws IOException {
    Set<String> reasons = new TreeSet<>();
    for (EcsException.Kind kind : EcsException.Kind.values()) {
      reasons.add(ImagePipelineWatchReconciler.reason(kind));
    }
    STALLED_OR_RETRIED.matcher(Files.readString(SOURCES.resolve("ImagePipelineWatchReconciler.java")))
        .results().forEach(m -> reasons.add(m.group(1)));
    UNUSABLE.matcher(Files.readString(SOURCES.resolve("WatchCredentials.java")))
        .results().forEach(m -> reasons.add(m.group(1)));
    // The scan still finds what it was written for.
    assertThat(reasons).contains("InvalidSpec", "DuplicatePipeline", "InternalError", "RetryingAfterWriteError",
        "WatchCredentialsDisabled", "CredentialsSecretNotFound", "RetryingAfterThrottle", "AccessDenied");

    Set<String> headings = new TreeSet<>();
    for (String line : Files.readAllLines(GUIDE)) {
      if (line.startsWith("### ")) {
        headings.add(line.substring(4).strip());
      }
    }
    assertThat(headings).containsAll(reasons);
  }
}
