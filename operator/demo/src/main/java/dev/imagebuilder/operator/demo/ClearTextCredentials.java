package dev.imagebuilder.operator.demo;

import java.util.List;
import java.util.Map;

/**
 * The demo's refusal to send real credentials over plain http. It talks to ECS (its simulator, or
 * whatever ECS_ENDPOINT names) over http by default; that is harmless with its own made-up key,
 * but an AccessKey pair, STS token or RRSA role taken from the environment would then cross the
 * network in clear (the AccessKey ID and STS token are in every request, the signature can be
 * replayed). The check names the variables, never their values.
 */
public final class ClearTextCredentials extends IllegalStateException {

  /** Environment variables that carry, or lead to, real Alibaba Cloud credentials. */
  static final List<String> CREDENTIAL_VARIABLES = List.of(
      "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
      "ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE",
      "ALIBABA_CLOUD_ECS_METADATA");

  private ClearTextCredentials(String message) {
    super(message);
  }

  /**
   * Throws when the operator's environment {@code env} would send credentials of the environment
   * over plain http (ECS_PROTOCOL=http, the demo's default).
   */
  static void refuseOverHttp(Map<String, String> env) {
    if (!"http".equals(env.getOrDefault("ECS_PROTOCOL", "http").trim())) {
      return;
    }
    List<String> set = CREDENTIAL_VARIABLES.stream()
        .filter(name -> env.get(name) != null && !env.get(name).isBlank())
        .toList();
    if (!set.isEmpty()) {
      throw new ClearTextCredentials("ClearTextCredentials: the demo talks to ECS over plain http (ECS_PROTOCOL=http), "
          + "and " + String.join(", ", set) + (set.size() == 1 ? " is" : " are") + " set, which would send real "
          + "credentials in clear. Unset " + (set.size() == 1 ? "it" : "them") + " to use the demo's own key with its "
          + "simulator, or set ECS_PROTOCOL=https and ECS_ENDPOINT to an https ECS endpoint.");
    }
  }
}
