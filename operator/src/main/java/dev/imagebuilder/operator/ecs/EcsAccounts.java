package dev.imagebuilder.operator.ecs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ECS as seen with one set of credentials: the operator's own (the default credentials chain) or a
 * watch's key pair. Each account's API comes from one {@link Connector}: in production the SDK
 * adapter, every account spending the same {@link RequestBudget} keyed by its identity.
 */
public class EcsAccounts {

  /** An account: who it is (never a secret) and the API under its credentials. */
  public record Account(String identity, ImagePipelines api) {}

  /** Makes the API of one account. */
  @FunctionalInterface
  public interface Connector {
    ImagePipelines connect(com.aliyun.credentials.Client credentials, String identity);

    /** The SDK adapter, every account spending {@code budget}. */
    static Connector sdk(EcsSettings settings, RequestBudget budget, EcsCallObserver observer) {
      return (credentials, identity) -> new SdkImagePipelines(settings, credentials, identity, budget, observer);
    }
  }

  /** Key pairs seen recently; a rotated Secret simply adds an entry and the oldest goes. */
  private static final int MAX_CACHED = 64;

  private final Connector connector;
  private final Account operator;
  private final CredentialsFingerprint fingerprint = new CredentialsFingerprint();
  private final Map<String, Account> byKeys =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Account> eldest) {
          return size() > MAX_CACHED;
        }
      };

  public EcsAccounts(com.aliyun.credentials.Client operatorCredentials, Connector connector) {
    this.connector = connector;
    this.operator = new Account("operator", connector.connect(operatorCredentials, "operator"));
  }

  /** The operator's own credentials, from the default chain. */
  public Account operator() {
    return operator;
  }

  /**
   * A key pair (and STS token) from a watch's Secret. Accounts, and with them listings and request
   * budgets, are shared only between watches that present the very same credentials: the
   * identity is a keyed hash of all three values, so a watch that knows another's AccessKey ID but
   * not its secret gets an account of its own, whose calls ECS refuses.
   */
  public synchronized Account withKeys(String accessKeyId, String accessKeySecret, String securityToken) {
    String identity = "keys:" + fingerprint.of(accessKeyId, accessKeySecret, securityToken);
    return byKeys.computeIfAbsent(identity, k -> {
      var config =
          new com.aliyun.credentials.models.Config()
              .setType(securityToken == null ? "access_key" : "sts")
              .setAccessKeyId(accessKeyId)
              .setAccessKeySecret(accessKeySecret)
              .setSecurityToken(securityToken);
      return new Account(identity, connector.connect(new com.aliyun.credentials.Client(config), identity));
    });
  }
}
