package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One served resource (group, version, plural) as discovery, OpenAPI and table printing need it.
 * Built-in kinds come from a fixed table; custom kinds from the stored CustomResourceDefinitions.
 *
 * @param printerColumns the CRD version's {@code additionalPrinterColumns} (empty for built-ins)
 * @param schema the CRD version's {@code openAPIV3Schema}, or {@code null} for built-ins
 */
record ResourceType(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    List<String> categories,
    boolean statusSubresource,
    boolean scaleSubresource,
    List<JsonNode> printerColumns,
    JsonNode schema) {

  boolean isCore() {
    return group.isEmpty();
  }

  String apiVersion() {
    return isCore() ? version : group + "/" + version;
  }

  /** {@code api/v1} or {@code apis/<group>/<version>}: the OpenAPI v3 and discovery path of its group version. */
  String groupVersionPath() {
    return isCore() ? "api/" + version : "apis/" + group + "/" + version;
  }

  boolean isCustom() {
    return schema != null;
  }
}
