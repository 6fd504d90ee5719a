package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExecutionChildrenTest {

  /** The API server's rule for object names (DNS subdomains), length aside. */
  static final Pattern OBJECT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  @ParameterizedTest
  @ValueSource(strings = {
      "exec-2ze5tsl5bp6nf2b3abcd", "a", "0", "a-b", "a--b", "a.b", "a.b.c", "1.2-3.x9",
      "", "-", "-a", "a-", ".", ".a", "a.", "a..b", "a.-b", "a-.b", "A", "a_b", "a b", "a\n", "é", "exec-1/x"})
  void nameIsAnObjectNameExactlyWhenTheApiServerSaysSo(String name) {
    assertThat(ChildNames.isObjectName(name)).isEqualTo(OBJECT_NAME.matcher(name).matches());
  }

  @ParameterizedTest
  @ValueSource(strings = {"exec-ABC", "Exec-1.Two"})
  void anExecutionIdInUpperCaseNamesItsChildInLowerCase(String id) {
    assertThat(ExecutionChildren.name(id)).isEqualTo(id.toLowerCase(java.util.Locale.ROOT));
  }
}
