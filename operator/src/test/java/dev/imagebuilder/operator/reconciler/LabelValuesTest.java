package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LabelValuesTest {

  /** The API server's rule for label values. */
  static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");

  @ParameterizedTest
  @CsvSource({"nightly, nightly", "a.b-c_d, a.b-c_d", "ip-2ze5tsl5bp6nf2b3abcd, ip-2ze5tsl5bp6nf2b3abcd"})
  void aValueThatFitsIsKept(String value, String label) {
    assertThat(LabelValues.of(value)).isEqualTo(label);
  }

  @ParameterizedTest
  @ValueSource(ints = {64, 70, 200, 253})
  void aLongerNameBecomesAValidUniqueLabel(int length) {
    String name = "w".repeat(length - 2) + ".x";
    String other = "w".repeat(length - 2) + ".y";
    String label = LabelValues.of(name);
    assertThat(label).hasSizeLessThanOrEqualTo(63).matches(LABEL_VALUE).startsWith("wwww");
    assertThat(LabelValues.of(other)).isNotEqualTo(label).matches(LABEL_VALUE);
    assertThat(LabelValues.of(name)).as("stable").isEqualTo(label);
  }

  @ParameterizedTest
  @CsvSource({"SUCCESS, success", "TEST_FAILED, test_failed", "'-weird status!-', weird-status---"})
  void statusesBecomeLowerCaseLabels(String status, String label) {
    String value = LabelValues.ofStatus(status);
    assertThat(value).matches(LABEL_VALUE);
    if (!status.startsWith("-")) {
      assertThat(value).isEqualTo(label);
    }
  }
}
