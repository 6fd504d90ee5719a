package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelSelectorTest {

  private static ObjectNode labelled(Map<String, String> labels) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode object = json.createObjectNode();
    labels.forEach(object.with("metadata").with("labels")::put);
    return object;
  }

  private static final ObjectNode FRONT_PROD = labelled(Map.of("tier", "front", "env", "prod"));
  private static final ObjectNode UNLABELLED = labelled(Map.of());

  @Test
  void matchesEqualityRequirements() {
    assertThat(LabelSelector.parse("tier=front").matches(FRONT_PROD)).isTrue();
    assertThat(LabelSelector.parse("tier==front,env=prod").matches(FRONT_PROD)).isTrue();
    assertThat(LabelSelector.parse("tier!=front").matches(FRONT_PROD)).isFalse();
    assertThat(LabelSelector.parse("tier!=front").matches(UNLABELLED)).isTrue();
  }

  @Test
  void matchesSetBasedRequirements() {
    assertThat(LabelSelector.parse("tier in (back, front)").matches(FRONT_PROD)).isTrue();
    assertThat(LabelSelector.parse("tier notin (front)").matches(FRONT_PROD)).isFalse();
    assertThat(LabelSelector.parse("tier notin (front)").matches(UNLABELLED)).isTrue();
    assertThat(LabelSelector.parse("env").matches(FRONT_PROD)).isTrue();
    assertThat(LabelSelector.parse("!env").matches(FRONT_PROD)).isFalse();
    assertThat(LabelSelector.parse("!env").matches(UNLABELLED)).isTrue();
    assertThat(LabelSelector.parse("tier in (front,back),!missing").matches(FRONT_PROD)).isTrue();
  }

  @Test
  void rejectsWhatItCannotParse() {
    assertThatThrownBy(() -> LabelSelector.parse("tier in front")).isInstanceOf(IllegalArgumentException.class);
  }
}
