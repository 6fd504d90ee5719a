package dev.imagebuilder.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One version everywhere a release names it: every pom of the build (the jar's manifest takes
 * it), and the chart's version and appVersion (the image's tag and version label take that).
 * .ci/set-version.sh moves them together; a hand edit of one fails here.
 */
class OneVersionTest {

  static final Path ROOT = Path.of("..");
  /** The project's own version in a pom: the one right after its parent's or its artifactId. */
  static final Pattern VERSION = Pattern.compile("<artifactId>image-pipeline-operator[a-z-]*</artifactId>\\s*<version>([^<]+)</version>");

  @Test
  void thePomsAndTheChartSayTheSameVersion() throws Exception {
    var chart = new YAMLMapper().readTree(ROOT.resolve("helm/image-pipeline-operator/Chart.yaml").toFile());
    String version = chart.path("version").asText();
    assertThat(chart.path("appVersion").asText()).isEqualTo(version);
    for (String pom : List.of("pom.xml", "operator/pom.xml", "operator/simulator/pom.xml", "operator/demo/pom.xml", "operator/bench/pom.xml")) {
      var versions = VERSION.matcher(Files.readString(ROOT.resolve(pom))).results().map(m -> m.group(1)).filter(v -> !v.equals("${project.version}")).toList();
      assertThat(versions).as(pom).isNotEmpty().containsOnly(version);
    }
  }
}
