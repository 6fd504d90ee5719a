package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image `make image` built (OCI layout tar, by Jib): what it runs and as whom, the labels
 * that lead back to its source, and that the same inputs build it again with the same digest.
 * `make e2e` builds the image for the node and names what it was built from in
 * E2E_IMAGE_INPUTS; PodInstallIT runs it.
 */
class ImageIT {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final ObjectMapper JSON = new ObjectMapper();

  static Properties inputs;
  /** The image's files without their extension: .tar, .digest, .id. */
  static Path image;

  @BeforeAll
  static void theImageOfThisRun() throws IOException {
    String file = System.getenv("E2E_IMAGE_INPUTS");
    boolean built = file != null && !file.isBlank();
    if ("true".equals(System.getenv("CI"))) {
      assertThat(built).as("CI=true, but make e2e built no image (E2E_IMAGE_INPUTS)").isTrue();
    }
    Assumptions.assumeTrue(built, "this run built no image (make e2e builds it for the node)");
    inputs = new Properties();
    try (Reader in = Files.newBufferedReader(Path.of(file))) {
      inputs.load(in);
    }
    image = Path.of(file).resolveSibling("image-pipeline-operator-image");
  }

  @Test
  void runsTheOperatorAsNonRootAndItsLabelsNameItsSource() throws Exception {
    JsonNode reference = json("index.json").path("manifests").get(0);
    assertThat(reference.path("digest").asText()).as("the manifest").isEqualTo(digestOf(image));
    assertThat(reference.path("annotations").path("org.opencontainers.image.ref.name").asText())
        .isEqualTo(inputs.getProperty("image.name"));
    JsonNode manifest = json(blob(reference.path("digest").asText()));
    JsonNode config = json(blob(manifest.path("config").path("digest").asText())).path("config");

    assertThat(config.path("User").asText()).as("uid:gid, as the chart's runAsUser").isEqualTo("65532:65532");
    assertThat(strings(config.path("Entrypoint")))
        .containsExactly("java", "-cp", "@/app/jib-classpath-file", "dev.imagebuilder.operator.Main");
    assertThat(strings(config.path("Env"))).contains("JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1");
    assertThat(config.path("ExposedPorts").has("8080/tcp")).isTrue();

    JsonNode labels = config.path("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("image-pipeline-operator");
    assertThat(labels.path("org.opencontainers.image.version").asText())
        .as("the version label is the chart's appVersion").isEqualTo(appVersion());
    assertThat(labels.path("org.opencontainers.image.revision").asText())
        .as("the commit it was built from").isEqualTo(git("rev-parse", "HEAD"));
    assertThat(labels.path("org.opencontainers.image.source").asText()).isEqualTo(inputs.getProperty("image.source"));
  }

  @Test
  void theSameInputsBuildTheSameDigest() throws Exception {
    Path again = Path.of("target", "image-again").toAbsolutePath();
    Path log = Path.of("target", "e2e", "image-again.log");
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-o", "-q", "-f", REPO.resolve("pom.xml").toString(),
        "-pl", "operator", "jib:buildTar", "-Djib.console=plain", "-Dimage.out=" + again));
    inputs.stringPropertyNames().forEach(key -> command.add("-D" + key + "=" + inputs.getProperty(key)));
    Process build = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(build.waitFor(10, TimeUnit.MINUTES)).as("the second build finished").isTrue();
    assertThat(build.exitValue()).as("the second build (log: %s)", log).isZero();
    assertThat(digestOf(again)).as("the digest of the same inputs built again").isEqualTo(digestOf(image));
  }

  static String appVersion() throws IOException {
    return Files.readAllLines(REPO.resolve("helm/image-pipeline-operator/Chart.yaml")).stream()
        .filter(line -> line.startsWith("appVersion:"))
        .map(line -> line.substring("appVersion:".length()).trim().replace("\"", ""))
        .findFirst().orElseThrow();
  }

  static String digestOf(Path image) throws IOException {
    return Files.readString(Path.of(image + ".digest")).trim();
  }

  static String blob(String digest) {
    return "blobs/" + digest.replace(':', '/');
  }

  /** One file of the image's OCI layout tar, as JSON. */
  static JsonNode json(String entry) throws IOException, InterruptedException {
    return JSON.readTree(run("tar", "-xOf", image + ".tar", entry));
  }

  static List<String> strings(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  static String git(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git", "-C", REPO.toString()));
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new)).trim();
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }
}
