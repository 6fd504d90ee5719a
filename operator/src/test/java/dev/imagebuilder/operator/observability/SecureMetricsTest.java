package dev.imagebuilder.operator.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * /metrics over HTTPS with the reviews asked of a (mock) API server: 401 without a token or with
 * one the TokenReview does not authenticate, 403 when the SubjectAccessReview says no, 200 for a
 * reader; the probe port answers without a token, and the token never reaches the logs' reach.
 */
@EnableKubernetesMockClient
class SecureMetricsTest {

  static final String READER = "token-of-prometheus";
  static final String STRANGER = "token-of-some-app";

  KubernetesMockServer server;
  KubernetesClient client;
  HttpEndpoints endpoints;
  final List<SubjectAccessReview> accessReviews = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws Exception {
    server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(201, request -> {
      TokenReview review = Serialization.unmarshal(request.getBody().readUtf8(), TokenReview.class);
      String token = review.getSpec().getToken();
      String user = token.equals(READER) ? "system:serviceaccount:monitoring:prometheus"
          : token.equals(STRANGER) ? "system:serviceaccount:team:app" : null;
      return new TokenReviewBuilder(review).withNewStatus().withAuthenticated(user != null)
          .withNewUser().withUsername(user).withGroups("system:serviceaccounts").endUser().endStatus().build();
    }).always();
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews").andReply(201, request -> {
      SubjectAccessReview review = Serialization.unmarshal(request.getBody().readUtf8(), SubjectAccessReview.class);
      accessReviews.add(review);
      boolean allowed = review.getSpec().getUser().endsWith(":prometheus")
          && "/metrics".equals(review.getSpec().getNonResourceAttributes().getPath())
          && "get".equals(review.getSpec().getNonResourceAttributes().getVerb());
      return new SubjectAccessReviewBuilder(review).withNewStatus().withAllowed(allowed).endStatus().build();
    }).always();
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var access = new MetricsAccess(MetricsAccess.kubernetes(client), MetricsAccess.Limits.DEFAULT, Clock.systemUTC());
    endpoints = HttpEndpoints.start(InetAddress.getLoopbackAddress(), 0, 0, registry, access, () -> true, () -> true);
  }

  @AfterEach
  void stop() {
    endpoints.close();
  }

  HttpResponse<String> scrape(String token) throws Exception {
    var request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + endpoints.metricsPort() + "/metrics"))
        .timeout(Duration.ofSeconds(20));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return InsecureHttps.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aReaderTokenIsServedAndOthersAreRefused() throws Exception {
    var missing = scrape(null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(scrape("made-up").statusCode()).isEqualTo(401);
    var forbidden = scrape(STRANGER);
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(forbidden.body()).doesNotContain(STRANGER);

    var allowed = scrape(READER);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).contains("imagebuilder_http_connections_total{endpoint=\"metrics\"");
    assertThat(accessReviews).extracting(r -> r.getSpec().getUser())
        .containsExactly("system:serviceaccount:team:app", "system:serviceaccount:monitoring:prometheus");

    scrape(READER);
    assertThat(accessReviews).as("the reader's answer is cached").hasSize(2);
  }

  @Test
  void theProbesNeedNoTokenAndMetricsAreNotServedThere() throws Exception {
    var http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + endpoints.port();
    assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
  }
}
