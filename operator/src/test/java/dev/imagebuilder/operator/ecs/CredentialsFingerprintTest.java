package dev.imagebuilder.operator.ecs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CredentialsFingerprintTest {

  final CredentialsFingerprint fingerprint = new CredentialsFingerprint();

  @Test
  void credentialsShareANameOnlyWhenEveryValueIsTheSame() {
    String owner = fingerprint.of("LTAI5tTeamA", "secret", null);
    assertThat(fingerprint.of("LTAI5tTeamA", "secret", null)).isEqualTo(owner);
    assertThat(fingerprint.of("LTAI5tTeamA", "guessed", null)).isNotEqualTo(owner);
    assertThat(fingerprint.of("LTAI5tTeamA", "secret", "token")).isNotEqualTo(owner);
    assertThat(fingerprint.of("LTAI5tTeamA", "secret", "")).isNotEqualTo(fingerprint.of("LTAI5tTeamA", "secret", null));
    assertThat(fingerprint.of("ab", "c", null)).isNotEqualTo(fingerprint.of("a", "bc", null));
  }

  @Test
  void theNameRevealsNothingAndDiffersFromOneProcessToTheNext() {
    String name = fingerprint.of("LTAI5tTeamA", "secret", null);
    assertThat(name).doesNotContain("LTAI5tTeamA").doesNotContain("secret").hasSize(32);
    assertThat(new CredentialsFingerprint().of("LTAI5tTeamA", "secret", null)).isNotEqualTo(name);
  }

  @Test
  void accountsAreSharedOnlyForTheSameCredentials() {
    var settings = new EcsSettings(null, "http", "public", EcsSettings.DEFAULT_CONNECT_TIMEOUT, EcsSettings.DEFAULT_READ_TIMEOUT);
    var accounts = new EcsAccounts(null, EcsAccounts.Connector.sdk(settings, new RequestBudget(1), (a, r, c, k) -> {}));
    var owner = accounts.withKeys("LTAI5tTeamA", "secret", null);
    assertThat(accounts.withKeys("LTAI5tTeamA", "secret", null)).isSameAs(owner);
    var borrower = accounts.withKeys("LTAI5tTeamA", "guessed", null);
    assertThat(borrower.identity()).isNotEqualTo(owner.identity()).doesNotContain("LTAI5tTeamA");
  }
}
