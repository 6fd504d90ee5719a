package dev.imagebuilder.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The CRDs under {@code crds/} are generated from the Java types. This test regenerates them and
 * fails when the committed copies differ; {@code make crds} (this test with -Dcrds.update=true)
 * rewrites them.
 */
class CrdsTest {

  static final Path CRDS = Path.of("..", "crds");

  @Test
  void committedCrdsMatchTheJavaTypes() throws IOException {
    Map<String, String> generated = generate();
    if (Boolean.getBoolean("crds.update")) {
      Files.createDirectories(CRDS);
      for (var crd : generated.entrySet()) {
        Files.writeString(CRDS.resolve(crd.getKey()), crd.getValue());
      }
    }
    for (var crd : generated.entrySet()) {
      Path committed = CRDS.resolve(crd.getKey());
      assertThat(committed).as("%s is committed; run make crds", committed).exists();
      assertThat(Files.readString(committed))
          .as("%s is out of date with the Java types; run make crds", committed)
          .isEqualTo(crd.getValue());
    }
  }

  /** File name to YAML of each CRD, as the Fabric8 generator writes it. */
  static Map<String, String> generate() throws IOException {
    Path dir = Files.createTempDirectory("crds");
    new CRDGenerator()
        .customResourceClasses(ImagePipelineWatch.class, ImagePipelineExecution.class)
        .forCRDVersions("v1")
        .withParallelGenerationEnabled(false)
        .withPostProcessor(
            new CRDPostProcessor() {
              @Override
              public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
                return polish(crd);
              }
            })
        .inOutputDir(dir.toFile())
        .generate();
    Map<String, String> files = new TreeMap<>();
    try (var generated = Files.list(dir)) {
      for (Path file : generated.toList()) {
        files.put(file.getFileName().toString(), Files.readString(file));
        Files.delete(file);
      }
    }
    Files.delete(dir);
    return files;
  }

  /**
   * What the generator cannot be told through annotations:
   *
   * <ul>
   *   <li>it gives every kind with a status a status subresource, but executions must not have one:
   *       the operator writes a child's status in the same request that creates or updates it;
   *   <li>it sorts printer columns by JSON path, where kubectl shows them in the declared order;
   *   <li>the standard condition type and the spec and status roots carry no descriptions, which
   *       {@code kubectl explain} shows.
   * </ul>
   */
  private static HasMetadata polish(HasMetadata crd) {
    var definition = (CustomResourceDefinition) crd;
    Class<?> type =
        definition.getSpec().getNames().getKind().equals("ImagePipelineExecution")
            ? ImagePipelineExecution.class
            : ImagePipelineWatch.class;
    for (var version : definition.getSpec().getVersions()) {
      if (type == ImagePipelineExecution.class) {
        version.setSubresources(null);
      }
      List<String> declared =
          Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
              .map(AdditionalPrinterColumn::name)
              .toList();
      version
          .getAdditionalPrinterColumns()
          .sort(Comparator.comparingInt(column -> declared.indexOf(column.getName())));
      var root = version.getSchema().getOpenAPIV3Schema();
      root.setDescription(TYPE_DESCRIPTIONS.get(type));
      root.getProperties().get("spec").setDescription(SPEC_DESCRIPTIONS.get(type));
      var status = root.getProperties().get("status");
      status.setDescription(STATUS_DESCRIPTIONS.get(type));
      var conditionFields = status.getProperties().get("conditions").getItems().getSchema();
      CONDITION_FIELD_DESCRIPTIONS.forEach(
          (field, text) -> conditionFields.getProperties().get(field).setDescription(text));
      conditionFields.setRequired(List.of("lastTransitionTime", "status", "type"));
    }
    return definition;
  }

  private static final Map<Class<?>, String> TYPE_DESCRIPTIONS =
      Map.of(
          ImagePipelineWatch.class,
          "Names one ECS image pipeline whose executions the operator mirrors as "
              + "ImagePipelineExecution resources.",
          ImagePipelineExecution.class,
          "One execution of an ECS image pipeline, written by the operator from what ECS reports.");
  private static final Map<Class<?>, String> SPEC_DESCRIPTIONS =
      Map.of(
          ImagePipelineWatch.class, "Which pipeline to watch and how often.",
          ImagePipelineExecution.class, "Identity of the execution in ECS.");
  private static final Map<Class<?>, String> STATUS_DESCRIPTIONS =
      Map.of(
          ImagePipelineWatch.class, "What the operator last saw of the pipeline.",
          ImagePipelineExecution.class, "The execution as ECS last reported it.");
  private static final Map<String, String> CONDITION_FIELD_DESCRIPTIONS =
      Map.of(
          "type", "Type of the condition, for example Ready.",
          "status", "True, False or Unknown.",
          "reason", "One word in CamelCase saying why the condition is in its status.",
          "message", "Human-readable details.",
          "lastTransitionTime", "When the status last changed (RFC 3339).",
          "observedGeneration", "The metadata.generation the condition was set from.");
}
