package dev.imagebuilder.operator.observability;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who may read {@code /metrics}, as controller-runtime's secure metrics decide it: the request's
 * bearer token is checked with a TokenReview, and its user with a SubjectAccessReview for
 * {@code get} on the non-resource URL {@code /metrics}. Answers are cached for a short time in a
 * cache of bounded size, keyed by a SHA-256 of the token (the token itself is never kept, logged
 * or put in an exception), and reviews of tokens not in the cache are limited per second, so a
 * flood of made-up tokens costs the API server a few requests a second at most.
 */
public final class MetricsAccess {

  /** The path and verb a reader must be allowed, as in the metrics-reader ClusterRole. */
  public static final String PATH = "/metrics";

  /** What the endpoint answers. */
  public enum Decision {
    /** 200: the token is valid and its user may get /metrics. */
    ALLOWED(200),
    /** 401: no bearer token, or one the API server does not authenticate. */
    UNAUTHENTICATED(401),
    /** 403: a valid token whose user may not get /metrics. */
    FORBIDDEN(403),
    /** 429: too many tokens to review this second; nothing was asked of the API server. */
    TOO_MANY_REVIEWS(429),
    /** 503: the API server could not be asked. */
    UNAVAILABLE(503);

    public final int status;

    Decision(int status) {
      this.status = status;
    }
  }

  /** The two reviews, behind an interface so the decisions can be tested without an API server. */
  public interface Reviews {
    /** The authenticated user and groups of {@code token}, or null when it is not authenticated. */
    Identity authenticate(String token);

    /** Whether {@code user} may {@code get} the non-resource URL {@link #PATH}. */
    boolean mayGetMetrics(Identity user);
  }

  /** An authenticated user. */
  public record Identity(String user, String uid, List<String> groups, Map<String, List<String>> extra) {}

  /** The Kubernetes reviews through the operator's client. */
  public static Reviews kubernetes(KubernetesClient client) {
    return new Reviews() {
      @Override
      public Identity authenticate(String token) {
        TokenReview review = client.resource(new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build())
            .create();
        var status = review.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
          return null;
        }
        var user = status.getUser();
        return new Identity(user.getUsername(), user.getUid(),
            user.getGroups() == null ? List.of() : List.copyOf(user.getGroups()),
            user.getExtra() == null ? Map.of() : Map.copyOf(user.getExtra()));
      }

      @Override
      public boolean mayGetMetrics(Identity user) {
        SubjectAccessReview review = client.resource(new SubjectAccessReviewBuilder().withNewSpec()
                .withUser(user.user()).withUid(user.uid()).withGroups(user.groups()).withExtra(user.extra())
                .withNewNonResourceAttributes().withPath(PATH).withVerb("get").endNonResourceAttributes()
                .endSpec().build())
            .create();
        return review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAllowed());
      }
    };
  }

  /** Bounds of the cache and of the reviews. */
  public record Limits(Duration ttl, int cacheSize, int reviewsPerSecond) {
    public static final Limits DEFAULT = new Limits(Duration.ofSeconds(60), 256, 10);
  }

  private final Reviews reviews;
  private final Limits limits;
  private final Clock clock;
  private final Map<String, Cached> cache;
  private long windowSecond = Long.MIN_VALUE;
  private int reviewsInWindow;

  private record Cached(Decision decision, Instant expires) {}

  public MetricsAccess(Reviews reviews, Limits limits, Clock clock) {
    this.reviews = reviews;
    this.limits = limits;
    this.clock = clock;
    this.cache = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
        return size() > limits.cacheSize();
      }
    };
  }

  /** The decision for a request with this Authorization header (null when it had none). */
  public Decision decide(String authorization) {
    String token = bearerToken(authorization);
    if (token == null) {
      return Decision.UNAUTHENTICATED;
    }
    String key = fingerprint(token);
    Instant now = clock.instant();
    synchronized (this) {
      Cached cached = cache.get(key);
      if (cached != null && now.isBefore(cached.expires())) {
        return cached.decision();
      }
      long second = now.getEpochSecond();
      if (second != windowSecond) {
        windowSecond = second;
        reviewsInWindow = 0;
      }
      if (reviewsInWindow >= limits.reviewsPerSecond()) {
        return Decision.TOO_MANY_REVIEWS;
      }
      reviewsInWindow++;
    }
    Decision decision;
    try {
      Identity user = reviews.authenticate(token);
      decision = user == null ? Decision.UNAUTHENTICATED
          : reviews.mayGetMetrics(user) ? Decision.ALLOWED : Decision.FORBIDDEN;
    } catch (RuntimeException e) {
      // Not cached, and not the exception itself: its message may quote the request.
      return Decision.UNAVAILABLE;
    }
    synchronized (this) {
      cache.put(key, new Cached(decision, now.plus(limits.ttl())));
    }
    return decision;
  }

  /** How many tokens' answers are cached now. */
  synchronized int cachedTokens() {
    return cache.size();
  }

  /** The token of an {@code Authorization: Bearer <token>} header, or null. */
  static String bearerToken(String authorization) {
    if (authorization == null || authorization.length() < 8
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static String fingerprint(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
