package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator never starts a simulator or a demo: no compiled class outside those two packages
 * refers to them, except the entry point that dispatches the {@code demo} subcommand.
 */
class ProductionPathTest {

  static final Path CLASSES = Path.of("target", "classes", "dev", "imagebuilder", "operator");

  @Test
  void onlyTheDemoSubcommandReachesTheSimulatorOrTheDemo() throws IOException {
    List<Path> production;
    try (var files = Files.walk(CLASSES)) {
      production =
          files
              .filter(f -> f.toString().endsWith(".class"))
              .filter(f -> !f.startsWith(CLASSES.resolve("simulator")) && !f.startsWith(CLASSES.resolve("demo")))
              .toList();
    }
    assertThat(production).hasSizeGreaterThan(20);
    for (Path file : production) {
      // Class references sit in the constant pool as UTF-8 internal names.
      String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertThat(bytes).as(file.toString()).doesNotContain("dev/imagebuilder/operator/simulator/");
      if (!file.getFileName().toString().equals("Main.class")) {
        assertThat(bytes).as(file.toString()).doesNotContain("dev/imagebuilder/operator/demo/");
      }
    }
  }
}
