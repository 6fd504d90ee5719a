package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** The packaged production jar holds the operator and its libraries only. */
class ProductionJarIT {

  static final Path JAR = Path.of("target", "image-pipeline-operator.jar");

  @Test
  void holdsNoDemoNoSimulatorNoMockServerAndOneHttpClient() throws IOException {
    List<String> entries;
    try (var jar = new JarFile(JAR.toFile())) {
      entries = jar.stream().map(ZipEntry::getName).toList();
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.imagebuilder.operator.Main");
    }
    assertThat(entries).contains("dev/imagebuilder/operator/Main.class");
    assertThat(entries).noneMatch(e -> e.startsWith("dev/imagebuilder/operator/demo/"))
        .noneMatch(e -> e.startsWith("dev/imagebuilder/operator/simulator/"))
        .noneMatch(e -> e.startsWith("io/fabric8/kubernetes/client/server/mock/"))
        .noneMatch(e -> e.startsWith("io/fabric8/mockwebserver/"))
        .noneMatch(e -> e.startsWith("io/vertx/ext/web/handler/"));
    // One HTTP client for Kubernetes, Vert.x's: with two, Fabric8's ServiceLoader would pick either.
    assertThat(entries).contains("io/fabric8/kubernetes/client/vertx/VertxHttpClientFactory.class")
        .noneMatch(e -> e.startsWith("io/fabric8/kubernetes/client/jdkhttp/"))
        .noneMatch(e -> e.startsWith("io/fabric8/kubernetes/client/okhttp/"));
    // The ECS SDK signs every request with BouncyCastle's digests, which no other library brings.
    assertThat(entries).contains("org/bouncycastle/crypto/Digest.class");
  }
}
