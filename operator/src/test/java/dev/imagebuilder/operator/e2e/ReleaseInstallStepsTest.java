package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How RegistryInstallIT reads and runs the README's install block; and that the README has one. */
class ReleaseInstallStepsTest {

  static final String BLOCK = """
      intro
      <!-- release-install:begin -->
      ```sh
      VERSION=0.1.0        # the release
      REGISTRY=registry.example.com/platform
      sha256sum -c SHA256SUMS
      echo "$REGISTRY/x:$VERSION"
      ```
      <!-- release-install:end -->
      after
      """;

  @Test
  void declaresTheLeadingAssignmentsAndKeepsEveryOtherLine() {
    var steps = ReleaseInstallSteps.of(BLOCK);
    assertThat(steps.declared()).containsOnly(Map.entry("VERSION", "0.1.0"), Map.entry("REGISTRY", "registry.example.com/platform"));
    assertThat(steps.script(Map.of("REGISTRY", "10.213.0.1:5000"))).isEqualTo("""
        VERSION=0.1.0        # the release
        REGISTRY='10.213.0.1:5000'
        sha256sum -c SHA256SUMS
        echo "$REGISTRY/x:$VERSION"
        """);
  }

  @Test
  void aValueIsQuotedForTheShellWhateverItHolds() {
    assertThat(ReleaseInstallSteps.of(BLOCK).script(Map.of("VERSION", "1.0'; rm -rf /")))
        .startsWith("VERSION='1.0'\\''; rm -rf /'        # the release\n");
  }

  @Test
  void aVariableTheBlockDoesNotDeclareIsRefused() {
    assertThatThrownBy(() -> ReleaseInstallSteps.of(BLOCK).script(Map.of("TEAM", "a")))
        .hasMessageContaining("declares no variable TEAM").hasMessageContaining("[VERSION, REGISTRY]");
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("no markers", "```sh\nA=1\n```\n", "has no <!-- release-install:begin -->"),
        Arguments.of("no end", "<!-- release-install:begin -->\n```sh\nA=1\n```\n", "has no <!-- release-install:end -->"),
        Arguments.of("two blocks", BLOCK + BLOCK, "more than one"),
        Arguments.of("end first", "<!-- release-install:end -->\n<!-- release-install:begin -->\n", "comes before"),
        Arguments.of("no fence", "<!-- release-install:begin -->\nA=1\n<!-- release-install:end -->\n", "one fenced code block"),
        Arguments.of("no variables", "<!-- release-install:begin -->\n```sh\nhelm install x\n```\n<!-- release-install:end -->\n",
            "declares no variables"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void aMalformedBlockIsRefusedSayingWhy(String name, String readme, String message) {
    assertThatThrownBy(() -> ReleaseInstallSteps.of(readme)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @Test
  void theReadmePushesTheReleasedImageAndInstallsThePackagePinnedByDigest() throws IOException {
    var steps = ReleaseInstallSteps.of(Files.readString(Path.of("..", "README.md")));
    assertThat(steps.declared()).containsKeys("VERSION", "REGISTRY", "NAMESPACE", "TEAM", "VALUES");
    String script = steps.script(Map.of());
    assertThat(script)
        .contains("sha256sum -c SHA256SUMS")
        .contains("skopeo copy --preserve-digests \"oci-archive:image-pipeline-operator-$VERSION.oci.tar\"")
        .contains("\"docker://$REGISTRY/image-pipeline-operator:$VERSION\"")
        .contains("helm install image-pipeline-operator \"image-pipeline-operator-$VERSION.tgz\"")
        .contains("--set image.repository=\"$REGISTRY/image-pipeline-operator\"")
        .contains("--set image.digest=\"$DIGEST\"")
        // The team the operator's credentials serve: the chart grants none by default.
        .contains("ownCredentials.grants=[{\\\"namespace\\\":\\\"$TEAM\\\"")
        // Only what a release holds: nothing from a checkout.
        .doesNotContain("helm/image-pipeline-operator", "operator/target", "make ");
  }
}
