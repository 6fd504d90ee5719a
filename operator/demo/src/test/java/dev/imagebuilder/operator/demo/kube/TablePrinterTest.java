package dev.imagebuilder.operator.demo.kube;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class TablePrinterTest {

  @Test
  void rendersAgesLikeKubernetesHumanDuration() {
    assertThat(TablePrinter.humanDuration(Duration.ofSeconds(42))).isEqualTo("42s");
    assertThat(TablePrinter.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(TablePrinter.humanDuration(Duration.ofSeconds(5 * 60 + 3))).isEqualTo("5m3s");
    assertThat(TablePrinter.humanDuration(Duration.ofMinutes(42))).isEqualTo("42m");
    assertThat(TablePrinter.humanDuration(Duration.ofMinutes(4 * 60 + 7))).isEqualTo("4h7m");
    assertThat(TablePrinter.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
    assertThat(TablePrinter.humanDuration(Duration.ofHours(3 * 24 + 5))).isEqualTo("3d5h");
    assertThat(TablePrinter.humanDuration(Duration.ofDays(100))).isEqualTo("100d");
    assertThat(TablePrinter.humanDuration(Duration.ofDays(3 * 365 + 10))).isEqualTo("3y10d");
    assertThat(TablePrinter.humanDuration(Duration.ofSeconds(-1))).isEqualTo("0s");
  }

  @Test
  void recognisesTheAcceptHeaderKubectlSends() {
    assertThat(TablePrinter.wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,"
        + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")).isTrue();
    assertThat(TablePrinter.wantsTable("application/json")).isFalse();
    assertThat(TablePrinter.wantsTable(null)).isFalse();
  }
}
