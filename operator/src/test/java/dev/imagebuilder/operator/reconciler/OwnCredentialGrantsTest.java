package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagebuilder.operator.OperatorConfig;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Who may poll which pipeline with the operator's own credentials, and how grants are read. */
class OwnCredentialGrantsTest {

  static final String GRANTS =
      "[{\"namespace\":\"team-a\",\"pipelines\":[\"ip-a1\",\"ip-a2\"]},"
          + "{\"namespace\":\"team-b\",\"pipelines\":[\"ip-b1\"]},"
          + "{\"namespace\":\"platform\",\"pipelines\":[\"*\"]},"
          + "{\"namespace\":\"team-b\",\"pipelines\":[\"ip-b2\"]}]";

  @ParameterizedTest(name = "{0} polling {1}: {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "team-a,   ip-a1,            true",
        "team-a,   ip-a2,            true",
        "team-a,   ip-b1,            false", // another namespace's pipeline
        "team-a,   IP-A1,            false", // pipeline IDs are compared exactly
        "team-a,   '*',              false", // a watch naming "*" is no wildcard
        "team-b,   ip-b1,            true",
        "team-b,   ip-b2,            true",  // two grants of one namespace add up
        "team-b,   ip-a1,            false",
        "platform, ip-anything,      true",
        "platform, null,             true",
        "team-c,   ip-a1,            false", // not granted at all
        "Team-a,   ip-a1,            false", // namespaces too
        "team-a,   null,             false",
        "team-a,   '',               false",
        "null,     ip-a1,            false",
      })
  void allowsOnlyWhatWasGranted(String namespace, String pipeline, boolean allowed) {
    var grants = OwnCredentialGrants.parse("OWN_CREDENTIALS_GRANTS", GRANTS);

    assertThat(grants.allows(namespace, pipeline)).isEqualTo(allowed);
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "null",
      value = {"null", "''", "'  '", "null-json", "[]"})
  void grantsNothingByDefault(String value) {
    var grants = OwnCredentialGrants.parse("OWN_CREDENTIALS_GRANTS", "null-json".equals(value) ? "null" : value);

    assertThat(grants).isEqualTo(OwnCredentialGrants.NONE);
    assertThat(grants.allows("default", "ip-1")).isFalse();
  }

  @Test
  void operatorConfigGrantsNothingUnlessTheVariableSaysSo() {
    assertThat(OperatorConfig.defaults().ownCredentialGrants()).isEqualTo(OwnCredentialGrants.NONE);

    var config = OperatorConfig.fromEnvironment(Map.of("OWN_CREDENTIALS_GRANTS", GRANTS));

    assertThat(config.ownCredentialGrants().allows("team-a", "ip-a1")).isTrue();
    assertThat(config.ownCredentialGrants().allows("team-a", "ip-b1")).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{not json                                                 | is not valid JSON",
        "{\"namespace\":\"a\",\"pipelines\":[\"*\"]}               | must be a JSON list",
        "[\"team-a\"]                                              | entry 0 must be an object",
        "[{\"pipelines\":[\"*\"]}]                                 | entry 0 needs a namespace that is a DNS label",
        "[{\"namespace\":\"Team_A\",\"pipelines\":[\"*\"]}]        | needs a namespace that is a DNS label such as team-a, not \"Team_A\"",
        "[{\"namespace\":\"*\",\"pipelines\":[\"*\"]}]             | needs a namespace that is a DNS label",
        "[{\"namespace\":\"team-a\"}]                              | needs pipelines, a non-empty list",
        "[{\"namespace\":\"team-a\",\"pipelines\":[]}]             | needs pipelines, a non-empty list",
        "[{\"namespace\":\"team-a\",\"pipelines\":\"*\"}]          | needs pipelines, a non-empty list",
        "[{\"namespace\":\"team-a\",\"pipelines\":[\"\"]}]         | has a pipeline that is not a pipeline ID",
        "[{\"namespace\":\"team-a\",\"pipelines\":[1]}]            | has a pipeline that is not a pipeline ID",
        "[{\"namespace\":\"team-a\",\"pipelines\":[\" ip-1\"]}]    | has a pipeline that is not a pipeline ID",
        "[{\"namespace\":\"team-a\",\"pipeline\":[\"ip-1\"]}]      | entry 0 has an unknown key 'pipeline'",
        "[{\"namespace\":\"a\",\"pipelines\":[\"*\"]},{\"namespace\":\"b\",\"pipelines\":[\"*\"],\"region\":\"x\"}] | entry 1 has an unknown key 'region'",
      })
  void aMalformedValueStopsTheOperatorAtStartNamingTheVariable(String value, String message) {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("OWN_CREDENTIALS_GRANTS", value.strip())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("OWN_CREDENTIALS_GRANTS ")
        .hasMessageContaining(message.strip())
        .hasMessageContaining("ownCredentials.grants");
  }

  @Test
  void theRefusalSaysExactlyWhatToAskFor() {
    assertThat(OwnCredentialGrants.refusal("team-b", "ip-a1"))
        .contains("namespace team-b for pipeline ip-a1")
        .contains("{\"namespace\":\"team-b\",\"pipelines\":[\"ip-a1\"]}")
        .contains("ownCredentials.grants")
        .contains("spec.credentialsSecretRef");
  }
}
