package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator never starts a simulator or a demo: they live in modules of their own
 * (operator/simulator, operator/demo), and no compiled class of this module refers to them. The
 * enforcer keeps them and the mock API server off the production classpath; ProductionJarIT checks
 * the packaged jar.
 */
class ProductionPathTest {

  static final Path CLASSES = Path.of("target", "classes", "dev", "imagebuilder", "operator");

  @Test
  void noProductionClassReachesTheSimulatorOrTheDemo() throws IOException {
    assertThat(CLASSES.resolve("simulator")).doesNotExist();
    assertThat(CLASSES.resolve("demo")).doesNotExist();
    List<Path> production;
    try (var files = Files.walk(CLASSES)) {
      production = files.filter(f -> f.toString().endsWith(".class")).toList();
    }
    assertThat(production).hasSizeGreaterThan(20);
    for (Path file : production) {
      // Class references sit in the constant pool as UTF-8 internal names.
      String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertThat(bytes).as(file.toString())
          .doesNotContain("dev/imagebuilder/operator/simulator/")
          .doesNotContain("dev/imagebuilder/operator/demo/")
          .doesNotContain("io/fabric8/kubernetes/client/server/mock/");
    }
  }
}
