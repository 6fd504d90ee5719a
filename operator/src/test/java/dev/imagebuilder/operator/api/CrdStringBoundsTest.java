package dev.imagebuilder.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.ecs.EcsExecution;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every string a namespace can store in either CRD has a maxLength, so no one stores megabytes in a
 * watch or a child; and the bounds of what the operator copies from ECS are those it cuts to.
 */
class CrdStringBoundsTest {

  static Map<String, JSONSchemaProps> committed() throws IOException {
    Map<String, JSONSchemaProps> roots = new TreeMap<>();
    try (var files = Files.list(CrdsTest.CRDS)) {
      for (Path file : files.toList()) {
        var crd = Serialization.unmarshal(Files.readString(file), CustomResourceDefinition.class);
        for (var version : crd.getSpec().getVersions()) {
          roots.put(crd.getSpec().getNames().getKind() + "/" + version.getName(), version.getSchema().getOpenAPIV3Schema());
        }
      }
    }
    assertThat(roots).containsOnlyKeys("ImagePipelineWatch/v1alpha1", "ImagePipelineExecution/v1alpha1");
    return roots;
  }

  /** Each string in the schema, by its path, with its maxLength (null when it has none). */
  static Map<String, Long> strings(String path, JSONSchemaProps schema, Map<String, Long> found) {
    if (schema == null) {
      return found;
    }
    if ("string".equals(schema.getType())) {
      found.put(path, schema.getMaxLength());
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((name, child) -> strings(path + "." + name, child, found));
    }
    if (schema.getItems() != null) {
      strings(path + "[]", schema.getItems().getSchema(), found);
    }
    if (schema.getAdditionalProperties() != null) {
      strings(path + "{}", schema.getAdditionalProperties().getSchema(), found);
    }
    return found;
  }

  @Test
  void everyStringInBothCrdsHasAMaxLength() throws IOException {
    List<String> unbounded = new ArrayList<>();
    int seen = 0;
    for (var root : committed().entrySet()) {
      var strings = strings(root.getKey(), root.getValue(), new TreeMap<>());
      seen += strings.size();
      strings.forEach((path, max) -> {
        if (max == null) {
          unbounded.add(path);
        }
      });
    }
    assertThat(seen).as("strings found in the schemas").isGreaterThan(30);
    assertThat(unbounded).as("strings without maxLength").isEmpty();
  }

  @Test
  void whatTheOperatorCopiesFromEcsIsCutToWhatTheSchemaAdmits() throws IOException {
    var child = strings("", committed().get("ImagePipelineExecution/v1alpha1"), new TreeMap<>());
    var watch = strings("", committed().get("ImagePipelineWatch/v1alpha1"), new TreeMap<>());
    assertThat(child.get(".status.message")).isEqualTo((long) EcsExecution.MAX_MESSAGE);
    for (String field : List.of(".spec.executionId", ".status.phase", ".status.imageId", ".status.creationTime",
        ".status.modifiedTime", ".status.resourceGroupId")) {
      assertThat(child.get(field)).as(field).isEqualTo((long) EcsExecution.MAX_FIELD);
    }
    assertThat(child.get(".status.tags{}")).isEqualTo((long) EcsExecution.MAX_TAG_VALUE);
    assertThat(ImagePipelineExecutionStatus.MAX_TAGS).isEqualTo(EcsExecution.MAX_TAGS);
    for (String field : List.of("executionId", "status", "imageId", "creationTime", "modifiedTime")) {
      assertThat(watch.get(".status.latestExecution." + field)).as(field).isEqualTo((long) EcsExecution.MAX_FIELD);
    }
    assertThat(watch.get(".status.latestSuccessfulImageId")).isEqualTo((long) EcsExecution.MAX_FIELD);
    // Messages from ECS go into child conditions too, and are shorter than a condition's message.
    assertThat(child.get(".status.conditions[].message")).isGreaterThanOrEqualTo((long) EcsExecution.MAX_MESSAGE);
  }
}
