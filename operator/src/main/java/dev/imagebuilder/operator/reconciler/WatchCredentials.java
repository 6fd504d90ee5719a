package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.CredentialsSecretRef;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsAccounts;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Whose credentials a watch polls with: the operator's, where an administrator granted them to
 * the watch's namespace and pipeline ({@link OwnCredentialGrants}), or those of a Secret in the
 * watch's own namespace when the operator allows it. The Secret is read with a single GET on each poll (the
 * operator may get Secrets, never list or watch them), and only its key names ever reach a message.
 */
final class WatchCredentials {

  /** Why a watch's credentials cannot be used; the name is the Stalled condition's reason. */
  enum Problem {
    CredentialsNotGranted,
    WatchCredentialsDisabled,
    CredentialsSecretUnreadable,
    CredentialsSecretNotFound,
    CredentialsSecretNotLabeled,
    CredentialsSecretInvalid
  }

  /** A watch's credentials that cannot be used, and why. */
  static final class Unusable extends Exception {
    private final Problem reason;

    Unusable(Problem reason, String message) {
      super(message);
      this.reason = reason;
    }

    Problem reason() {
      return reason;
    }
  }

  /** A Secret must carry this label, set to "true", before any watch may use it. */
  static final String OPT_IN_LABEL = ImagePipelineWatch.GROUP + "/credentials";

  private WatchCredentials() {}

  static EcsAccounts.Account account(
      ImagePipelineWatch watch,
      WatchSettings settings,
      KubernetesClient client,
      EcsAccounts accounts,
      boolean allowed,
      OwnCredentialGrants grants)
      throws Unusable {
    CredentialsSecretRef ref = settings.credentials();
    if (ref == null) {
      String namespace = watch.getMetadata().getNamespace();
      String pipelineId = settings.pipeline().imagePipelineId();
      if (!grants.allows(namespace, pipelineId)) {
        throw new Unusable(Problem.CredentialsNotGranted, OwnCredentialGrants.refusal(namespace, pipelineId));
      }
      return accounts.operator();
    }
    if (!allowed) {
      throw new Unusable(
          Problem.WatchCredentialsDisabled,
          "spec.credentialsSecretRef is set, but this operator does not accept per-watch credentials "
              + "(the chart's credentials.perWatchSecrets)");
    }
    String namespace = watch.getMetadata().getNamespace();
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    } catch (KubernetesClientException e) {
      throw new Unusable(Problem.CredentialsSecretUnreadable, "Secret " + ref.getName() + " cannot be read: HTTP " + e.getCode());
    }
    if (secret == null) {
      throw new Unusable(Problem.CredentialsSecretNotFound, "Secret " + ref.getName() + " does not exist in namespace " + namespace);
    }
    var labels = secret.getMetadata().getLabels();
    if (labels == null || !"true".equals(labels.get(OPT_IN_LABEL))) {
      // The operator may read any Secret of the namespace; a watch may only point it at those
      // whose owners said they hold ECS credentials for watches.
      throw new Unusable(
          Problem.CredentialsSecretNotLabeled,
          "Secret " + ref.getName() + " is not labelled " + OPT_IN_LABEL + "=\"true\", which a Secret needs before watches may use it");
    }
    String id = value(secret, ref.accessKeyIdKeyOrDefault());
    String key = value(secret, ref.accessKeySecretKeyOrDefault());
    String token = ref.getSecurityTokenKey() == null ? null : value(secret, ref.getSecurityTokenKey());
    return accounts.withKeys(id, key, token);
  }

  private static String value(Secret secret, String key) throws Unusable {
    String encoded = secret.getData() == null ? null : secret.getData().get(key);
    String plain = secret.getStringData() == null ? null : secret.getStringData().get(key);
    String value;
    try {
      value = encoded != null ? new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).trim() : plain;
    } catch (IllegalArgumentException e) {
      throw new Unusable(Problem.CredentialsSecretInvalid, "Secret " + secret.getMetadata().getName() + " key " + key + " is not base64");
    }
    if (value == null || value.isEmpty()) {
      throw new Unusable(
          Problem.CredentialsSecretInvalid, "Secret " + secret.getMetadata().getName() + " has no key " + key);
    }
    return value;
  }
}
