package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JsonPathTest {

  private static final JsonNode OBJECT = parse("""
      {"metadata": {"name": "w", "labels": {"app.kubernetes.io/name": "demo"}},
       "spec": {"size": 3, "ports": [{"port": 80}, {"port": 443}]},
       "status": {"conditions": [
         {"type": "Synced", "status": "False"},
         {"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}}
      """);

  private static JsonNode parse(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> eval(String path) {
    return JsonPath.evaluate(path, OBJECT).stream().map(JsonNode::asText).toList();
  }

  @Test
  void followsDottedPaths() {
    assertThat(eval(".spec.size")).containsExactly("3");
    assertThat(eval("{.metadata.name}")).containsExactly("w");
  }

  @Test
  void selectsArrayElementsByFilterIndexAndWildcard() {
    assertThat(eval(".status.conditions[?(@.type==\"Ready\")].status")).containsExactly("True");
    assertThat(eval(".status.conditions[?(@.type=='Synced')].status")).containsExactly("False");
    assertThat(eval(".status.conditions[?(@.lastTransitionTime)].type")).containsExactly("Ready");
    assertThat(eval(".spec.ports[1].port")).containsExactly("443");
    assertThat(eval(".spec.ports[-1].port")).containsExactly("443");
    assertThat(eval(".spec.ports[*].port")).containsExactly("80", "443");
    assertThat(eval(".spec.ports[?(@.port > 100)].port")).containsExactly("443");
  }

  @Test
  void readsKeysWithDotsWhenEscapedOrQuoted() {
    assertThat(eval(".metadata.labels.app\\.kubernetes\\.io/name")).containsExactly("demo");
    assertThat(eval(".metadata.labels['app.kubernetes.io/name']")).containsExactly("demo");
  }

  @Test
  void findsNothingForMissingFields() {
    assertThat(eval(".status.phase")).isEmpty();
    assertThat(eval(".status.conditions[?(@.type==\"Missing\")].status")).isEmpty();
  }
}
