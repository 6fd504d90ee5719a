package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The release that {@code make e2e} writes with .ci/release.sh, the one the chart is installed
 * from: every file SHA256SUMS names is intact, and one version runs through the chart, the jar,
 * the image and its labels; the CRDs, the Argo CD configuration, the SBOM and the image's Debian
 * packages are there and say what they should.
 */
class ReleaseIT {

  static final ObjectMapper JSON = new JsonMapper();
  static final ObjectMapper YAML = new YAMLMapper();

  static Path dist;
  static String version;

  @BeforeAll
  static void theReleaseOfThisRun() throws Exception {
    String chart = System.getenv("E2E_CHART");
    Assumptions.assumeTrue(chart != null && !chart.isBlank(), "make e2e writes the release (E2E_CHART)");
    dist = Path.of(chart).getParent();
    String name = Path.of(chart).getFileName().toString();
    version = name.substring("image-pipeline-operator-".length(), name.length() - ".tgz".length());
  }

  @Test
  void everyFileIsInSha256SumsAndMatchesIt() throws Exception {
    Map<String, String> sums = new TreeMap<>();
    for (String line : Files.readAllLines(dist.resolve("SHA256SUMS"))) {
      sums.put(line.substring(66), line.substring(0, 64));
    }
    List<String> files;
    try (var listing = Files.list(dist)) {
      files = listing.map(p -> p.getFileName().toString()).filter(n -> !n.equals("SHA256SUMS")).sorted().toList();
    }
    assertThat(sums.keySet()).containsExactlyElementsOf(files);
    for (var entry : sums.entrySet()) {
      assertThat(sha256(dist.resolve(entry.getKey()))).as(entry.getKey()).isEqualTo(entry.getValue());
    }
    assertThat(files).contains("crds.yaml", "argocd-cm.yaml", "argocd-helm-values.yaml", "argocd-operator.yaml",
        "image-pipeline-operator-" + version + ".jar", "image-pipeline-operator-" + version + ".cdx.json");
  }

  @Test
  void theChartAndTheJarSayOneVersion() throws Exception {
    JsonNode chart = YAML.readTree(untar(dist.resolve("image-pipeline-operator-" + version + ".tgz"), "image-pipeline-operator/Chart.yaml", true));
    assertThat(chart.path("version").asText()).isEqualTo(version);
    assertThat(chart.path("appVersion").asText()).as("the image tag the chart pulls").isEqualTo(version);
    try (var jar = new JarFile(dist.resolve("image-pipeline-operator-" + version + ".jar").toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Implementation-Version")).isEqualTo(version);
    }
  }

  @Test
  void theImageArchiveIsTheTaggedImageWithItsDigestAndPackages() throws Exception {
    Path archive = dist.resolve("image-pipeline-operator-" + version + ".oci.tar");
    if ("true".equals(System.getenv("CI")) && System.getenv("E2E_IMAGE_INPUTS") != null && !System.getenv("E2E_IMAGE_INPUTS").isBlank()) {
      assertThat(archive).as("a run that built the image releases it").exists();
    }
    Assumptions.assumeTrue(Files.exists(archive), "this run built no image (make e2e builds it for the node)");
    JsonNode reference = JSON.readTree(untar(archive, "index.json", false)).path("manifests").get(0);
    String digest = reference.path("digest").asText();
    assertThat(Files.readString(dist.resolve(archive.getFileName() + ".digest")).strip()).isEqualTo(digest);
    assertThat(reference.path("annotations").path("org.opencontainers.image.ref.name").asText()).endsWith(":" + version);
    JsonNode manifest = JSON.readTree(untar(archive, blob(digest), false));
    JsonNode config = JSON.readTree(untar(archive, blob(manifest.path("config").path("digest").asText()), false));
    assertThat(config.path("config").path("Labels").path("org.opencontainers.image.version").asText()).isEqualTo(version);

    List<String> packages = Files.readAllLines(dist.resolve("image-pipeline-operator-" + version + ".debian-packages.txt"));
    assertThat(packages).anyMatch(p -> p.startsWith("openjdk-17-jre-headless 17.")).anyMatch(p -> p.startsWith("base-files "));
  }

  @Test
  void theCrdsAndTheArgoCdConfigurationAreComplete() throws Exception {
    List<String> crds = new java.util.ArrayList<>();
    try (var parser = new YAMLFactory().createParser(dist.resolve("crds.yaml").toFile())) {
      YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> crds.add(d.path("metadata").path("name").asText()));
    }
    assertThat(crds).containsExactlyInAnyOrder("imagepipelinewatches.ecs.imagebuilder.dev", "imagepipelineexecutions.ecs.imagebuilder.dev");

    JsonNode cm = YAML.readTree(dist.resolve("argocd-cm.yaml").toFile()).path("data");
    assertThat(cm.has("resource.customizations.health.ecs.imagebuilder.dev_ImagePipelineWatch")).isTrue();
    assertThat(cm.has("resource.customizations.actions.ecs.imagebuilder.dev_ImagePipelineWatch")).isTrue();
    assertThat(Files.readString(dist.resolve("argocd-helm-values.yaml"))).contains("configs:", "resource.customizations.health.ecs.imagebuilder.dev_ImagePipelineExecution");
    assertThat(Files.readString(dist.resolve("argocd-operator.yaml"))).contains("resourceHealthChecks", "resourceActions");
  }

  @Test
  void theSbomListsWhatRunsAndNothingOnlyTestsUse() throws Exception {
    JsonNode bom = JSON.readTree(dist.resolve("image-pipeline-operator-" + version + ".cdx.json").toFile());
    assertThat(bom.path("bomFormat").asText()).isEqualTo("CycloneDX");
    assertThat(bom.path("metadata").path("component").path("version").asText()).isEqualTo(version);
    List<String> components = new java.util.ArrayList<>();
    bom.path("components").forEach(c -> components.add(c.path("group").asText() + ":" + c.path("name").asText()));
    assertThat(components).contains("io.javaoperatorsdk:operator-framework-core", "io.fabric8:kubernetes-client", "com.aliyun:ecs20140526")
        .noneMatch(c -> c.startsWith("org.junit") || c.contains("kubernetes-server-mock") || c.contains("simulator"));
  }

  static String blob(String digest) {
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }

  static byte[] untar(Path archive, String entry, boolean gzip) throws IOException, InterruptedException {
    var process = new ProcessBuilder("tar", gzip ? "-xzOf" : "-xOf", archive.toString(), entry).redirectErrorStream(false).start();
    byte[] out;
    try (InputStream in = process.getInputStream()) {
      out = in.readAllBytes();
    }
    assertThat(process.waitFor()).as("tar of " + entry + " in " + archive).isZero();
    return out;
  }

  static String sha256(Path file) throws Exception {
    var digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
