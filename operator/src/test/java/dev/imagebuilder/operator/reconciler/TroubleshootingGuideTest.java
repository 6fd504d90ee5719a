package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * docs/troubleshooting.md has a section, headed by the reason itself, for every reason a poll can
 * put on a watch's Ready, Stalled or Reconciling condition when it fails: a new reason without a
 * section fails here.
 */
class TroubleshootingGuideTest {

  static final Path GUIDE = Path.of("..", "docs", "troubleshooting.md");

  @Test
  void everyReasonAWatchCanShowHasASection() throws IOException {
    Set<String> reasons = PollOutcome.failureReasons();
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
