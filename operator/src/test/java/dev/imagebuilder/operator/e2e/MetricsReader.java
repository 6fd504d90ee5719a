package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.observability.InsecureHttps;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A scraper of the secure /metrics as Prometheus is one: a ServiceAccount, bound (or not) to the
 * chart's metrics-reader ClusterRole, and a token of it; HTTPS without verifying the self-signed
 * certificate, as the chart's ServiceMonitor does.
 */
final class MetricsReader {

  private MetricsReader() {}

  /** A token of a new ServiceAccount {@code name} in {@code namespace}, bound to {@code clusterRole} unless null. */
  static String token(RealCluster cluster, String namespace, String name, String clusterRole) throws Exception {
    cluster.client.resource(new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .endMetadata().build()).create();
    if (clusterRole != null) {
      cluster.client.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(namespace + "-" + name)
          .endMetadata()
          .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(clusterRole)
          .endRoleRef()
          .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(namespace).endSubject()
          .build()).create();
    }
    var token = cluster.kubectl("create", "token", name, "-n", namespace, "--duration", "1h");
    assertThat(token.exitCode()).as(token.output()).isZero();
    return token.output().trim();
  }

  /** Removes the binding {@link #token} made. */
  static void unbind(RealCluster cluster, String namespace, String name) {
    cluster.client.rbac().clusterRoleBindings().withName(namespace + "-" + name).delete();
  }

  /** GET {@code url} over HTTPS with {@code token} as bearer (none when null). */
  static HttpResponse<String> get(String url, String token) throws IOException {
    var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return InsecureHttps.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
