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
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CRDs under {@code crds/} are generated from the Java types, and the Helm chart's
 * {@code templates/crds/} are those CRDs with the chart's switches inserted. This test regenerates
 * both and fails when the committed copies differ; {@code make crds} (this test with
 * -Dcrds.update=true) rewrites them.
 */
class CrdsTest {

  static final Path CRDS = Path.of("..", "crds");
  static final Path CHART_CRDS =
      Path.of("..", "helm", "image-pipeline-operator", "templates", "crds");

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

  /**
   * The chart installs the CRDs as templates rather than from its {@code crds/} folder, which Helm
   * installs once and never upgrades. Each template must stay the committed CRD plus the chart's
   * switches, and no other file may linger there.
   */
  @Test
  void chartCrdTemplatesMatchTheCrds() throws IOException {
    Map<String, String> expected = new TreeMap<>();
    for (var crd : generate().entrySet()) {
      expected.put(chartTemplateName(crd.getKey()), chartTemplate(crd.getKey(), crd.getValue()));
    }
    if (Boolean.getBoolean("crds.update")) {
      Files.createDirectories(CHART_CRDS);
      try (var stale = Files.list(CHART_CRDS)) {
        for (Path file : stale.toList()) {
          if (!expected.containsKey(file.getFileName().toString())) {
            Files.delete(file);
          }
        }
      }
      for (var template : expected.entrySet()) {
        Files.writeString(CHART_CRDS.resolve(template.getKey()), template.getValue());
      }
    }
    assertThat(CHART_CRDS).as("%s exists; run make crds", CHART_CRDS).isDirectory();
    try (var committed = Files.list(CHART_CRDS)) {
      assertThat(committed.map(file -> file.getFileName().toString()).sorted().toList())
          .as("files in %s; run make crds", CHART_CRDS)
          .containsExactlyElementsOf(expected.keySet());
    }
    for (var template : expected.entrySet()) {
      Path committed = CHART_CRDS.resolve(template.getKey());
      assertThat(Files.readString(committed))
          .as("%s is out of date with the CRDs; run make crds", committed)
          .isEqualTo(template.getValue());
    }
  }

  /** {@code <plural>.<group>-v1.yml} becomes {@code <plural>.<group>.yaml}. */
  static String chartTemplateName(String crdFile) {
    return crdFile.replaceFirst("(-v1)?\\.ya?ml$", "") + ".yaml";
  }

  /**
   * The CRD's YAML, unchanged, inside {@code crds.install}, with the chart's labels and (unless
   * {@code crds.keep=false}) {@code helm.sh/resource-policy: keep} added to its metadata, so that
   * uninstalling the chart does not delete every watch and execution with their CRDs.
   */
  static String chartTemplate(String crdFile, String crdYaml) {
    if (crdYaml.contains("{{") || crdYaml.contains("}}")) {
      throw new IllegalStateException(
          crdFile + " contains {{ or }}, which Helm would read as a template action");
    }
    // The generator writes metadata with the name only; anything else there would need merging.
    var metadata = Pattern.compile("\nmetadata:\n  name: [^\n]+\n(?=spec:\n)");
    var match = metadata.matcher(crdYaml);
    if (!match.find()) {
      throw new IllegalStateException(
          crdFile + ": expected a metadata block holding only the name, followed by spec");
    }
    String head = crdYaml.substring(0, match.end());
    String spec = crdYaml.substring(match.end());
    return "{{- if .Values.crds.install }}\n"
        + "# crds/" + crdFile + " with the chart's labels and annotations, written by make crds.\n"
        + head
        + "  labels:\n"
        + "    {{- include \"image-pipeline-operator.labels\" . | nindent 4 }}\n"
        + "  {{- if .Values.crds.keep }}\n"
        + "  annotations:\n"
        + "    helm.sh/resource-policy: keep\n"
        + "  {{- end }}\n"
        + spec
        + (spec.endsWith("\n") ? "" : "\n")
        + "{{- end }}\n";
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
   *       {@code kubectl explain} shows;
   *   <li>conditions are a list keyed by {@code type} ({@code x-kubernetes-list-type: map});
   *   <li>the standard condition type, the items of a list of statuses and the values of a map of
   *       tags carry no maxLength, which
   *       every string in these CRDs has: a namespace must not be able to store what it likes.
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
      CONDITION_FIELD_MAX_LENGTHS.forEach(
          (field, max) -> conditionFields.getProperties().get(field).setMaxLength((long) max));
      var statusFilter = root.getProperties().get("spec").getProperties().get("statusFilter");
      if (statusFilter != null) {
        statusFilter.getItems().getSchema().setMaxLength((long) ImagePipelineWatchSpec.MAX_STATUS_LENGTH);
      }
      var tags = status.getProperties().get("tags");
      if (tags != null) {
        tags.setMaxProperties((long) ImagePipelineExecutionStatus.MAX_TAGS);
        tags.getAdditionalProperties().getSchema().setMaxLength((long) ImagePipelineExecutionStatus.MAX_TAG_VALUE_LENGTH);
      }
      // One condition per type: server-side apply and strategic tools merge them by type.
      var conditions = status.getProperties().get("conditions");
      conditions.setXKubernetesListType("map");
      conditions.setXKubernetesListMapKeys(List.of("type"));
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
  private static final Map<String, Integer> CONDITION_FIELD_MAX_LENGTHS =
      Map.of(
          "type", ImagePipelineWatchStatus.MAX_CONDITION_TYPE_LENGTH,
          "status", ImagePipelineWatchStatus.MAX_CONDITION_STATUS_LENGTH,
          "reason", ImagePipelineWatchStatus.MAX_CONDITION_REASON_LENGTH,
          "message", ImagePipelineWatchStatus.MAX_CONDITION_MESSAGE_LENGTH,
          "lastTransitionTime", ImagePipelineWatchStatus.MAX_TIME_LENGTH);
  private static final Map<String, String> CONDITION_FIELD_DESCRIPTIONS =
      Map.of(
          "type", "Type of the condition, for example Ready.",
          "status", "True, False or Unknown.",
          "reason", "One word in CamelCase saying why the condition is in its status.",
          "message", "Human-readable details.",
          "lastTransitionTime", "When the status last changed (RFC 3339).",
          "observedGeneration", "The metadata.generation the condition was set from.");
}
