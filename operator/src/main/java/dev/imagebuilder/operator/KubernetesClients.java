package dev.imagebuilder.operator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** The operator's Kubernetes client. */
final class KubernetesClients {

  private KubernetesClients() {}

  /** The kubeconfig or in-cluster configuration, with the operator's own settings. */
  static Config config() {
    // The client's own retries (up to ten, doubling from 100 ms) would hold a failing write for
    // about 20 s: the reconciler backs off by itself, and must hear of a failure at once to be
    // back within one interval of an API server outage.
    return new ConfigBuilder(Config.autoConfigure(null))
        .withRequestRetryBackoffLimit(1)
        .build();
  }

  /**
   * Fabric8 over its Vert.x HTTP client (HTTP/1.1, a connection per request in flight), named here
   * rather than found on the class path. Against the JDK's HTTP client it took about two fifths
   * off the operator's CPU for each child created, beside the compiler's share (docs/benchmarks.md,
   * "Faster than kubectl: before and after"): the JDK client's sequential schedulers and TLS flow
   * were the largest layer of the initial sync's profile. Its TLS offers ChaCha20-Poly1305 first
   * ({@link ChaChaFirst}).
   */
  static KubernetesClient build(Config config) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(ChaChaFirst.factory())
        .withKubernetesSerialization(serialization())
        .build();
  }

  /**
   * Fabric8's serialization, except that {@code metadata.managedFields} is skipped unread. A real API
   * server sends it with every object (the create answer, each watch event, each page of a list),
   * often longer than the rest of a child, and the operator never reads it: binding it cost CPU on
   * every write's echo and heap during every list. Nor is it ever written: an update that leaves it
   * out keeps the server's, and no patch the operator sends names it. Watch events are read by
   * {@link WatchEventReader}, which binds each object without building a tree of it first.
   */
  static KubernetesSerialization serialization() {
    return serialization(new ObjectMapper());
  }

  static KubernetesSerialization serialization(ObjectMapper mapper) {
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    var serialization = new KubernetesSerialization(mapper, true);
    // Known by kind, a watch event's object is bound to its class at once; unknown, Fabric8 binds
    // it as a generic resource and then converts that to the class the informer asked for.
    serialization.registerKubernetesResource(ImagePipelineWatch.class);
    serialization.registerKubernetesResource(ImagePipelineExecution.class);
    mapper.registerModule(new SimpleModule("watch-events").addDeserializer(WatchEvent.class, new WatchEventReader(serialization)));
    return serialization;
  }

  @JsonIgnoreProperties("managedFields")
  private abstract static class WithoutManagedFields {}
}
