package dev.imagebuilder.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The demo sends real credentials over https only; its own key may go over http to its simulator. */
class ClearTextCredentialsTest {

  static final String SECRET = "real-looking-secret-0123456789";

  @ParameterizedTest(name = "{0}")
  @CsvSource(nullValues = "none", value = {
      // the variables set (name=value;...)                       | ECS_PROTOCOL | refused
      "none                                                       , none  , false",
      "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tReal;ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + SECRET + ", none , true",
      "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tReal;ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + SECRET + ", http , true",
      "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tReal;ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + SECRET + ", https, false",
      "ALIBABA_CLOUD_SECURITY_TOKEN=sts                          , none  , true",
      "ALIBABA_CLOUD_ROLE_ARN=acs:ram::1:role/x;ALIBABA_CLOUD_OIDC_TOKEN_FILE=/t, none, true",
      "ALIBABA_CLOUD_CREDENTIALS_FILE=/home/me/.alibabacloud/credentials, http, true",
      "ALIBABA_CLOUD_ACCESS_KEY_ID=                               , none  , false",
      "ECS_ENDPOINT=ecs.cn-hangzhou.aliyuncs.com                  , none  , false",
  })
  void refusesCredentialsOfTheEnvironmentOverPlainHttp(String variables, String protocol, boolean refused) {
    Map<String, String> env = new HashMap<>();
    if (variables != null) {
      for (String pair : variables.split(";")) {
        String[] kv = pair.split("=", 2);
        env.put(kv[0].trim(), kv.length > 1 ? kv[1].trim() : "");
      }
    }
    if (protocol != null) {
      env.put("ECS_PROTOCOL", protocol);
    }
    var check = assertThatCode(() -> ClearTextCredentials.refuseOverHttp(Demo.withDemoDefaults(env)));
    if (refused) {
      check.isInstanceOf(ClearTextCredentials.class)
          .hasMessageStartingWith("ClearTextCredentials: ")
          .hasMessageNotContaining(SECRET)
          .hasMessageNotContaining("LTAI5tReal");
    } else {
      check.doesNotThrowAnyException();
    }
  }

  @Test
  void theDemoStartsNothingWithAKeyPairInItsEnvironmentOverHttp(@TempDir Path dir) {
    assertThatThrownBy(() -> Demo.start(0, dir.resolve("kubeconfig"), Duration.ofMillis(500),
        Map.of("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tReal", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)))
        .isInstanceOf(ClearTextCredentials.class)
        .hasMessageContaining("ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET are set");
    assertThat(dir.resolve("kubeconfig")).as("nothing started, no kubeconfig written").doesNotExist();
  }
}
