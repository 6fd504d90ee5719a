package dev.imagebuilder.operator.reconciler;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.internal.OperationSupport;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Creates a child with one POST, through the client's own HTTP client (its TLS, token refresh,
 * retries and timeout), and reads from the answer only what the informer's cache needs until the
 * watch brings the whole child: its resourceVersion, uid, creation time and generation. Fabric8's
 * create bound the whole answer to a new object, the costliest part of a write, for a copy the
 * watch event replaces moments later. A refusal is the same {@link KubernetesClientException},
 * with the API server's status, that Fabric8 throws.
 */
final class ChildCreate {

  private static final JsonFactory JSON = new JsonFactory();

  private ChildCreate() {}

  /** Where children of a namespace are created. */
  static URL url(KubernetesClient client, String namespace) {
    try {
      return new URL(URLUtils.join(
          client.getMasterUrl().toString(),
          "apis",
          HasMetadata.getApiVersion(ImagePipelineExecution.class),
          "namespaces",
          namespace,
          HasMetadata.getPlural(ImagePipelineExecution.class)));
    } catch (MalformedURLException e) {
      throw new KubernetesClientException("no URL for children in " + namespace, e);
    }
  }

  /** Creates {@code desired} and returns it as created, as far as the cache needs to know. */
  static ImagePipelineExecution create(KubernetesClient client, URL url, ImagePipelineExecution desired) {
    var http = client.getHttpClient();
    var request = http.newHttpRequestBuilder()
        .post("application/json", client.getKubernetesSerialization().asJson(desired))
        .url(url)
        .timeout(client.getConfiguration().getRequestTimeout(), TimeUnit.MILLISECONDS)
        .build();
    HttpResponse<byte[]> response;
    try {
      response = http.sendAsync(request, byte[].class).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted while creating " + desired.getMetadata().getName(), new InterruptedIOException());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof KubernetesClientException k) {
        throw k;
      }
      throw new KubernetesClientException(cause.getMessage(), cause);
    }
    if (!response.isSuccessful()) {
      throw new KubernetesClientException(OperationSupport.createStatus(response, client.getKubernetesSerialization()));
    }
    ObjectMeta server = serverMetadata(response.body());
    if (server == null || server.getResourceVersion() == null) {
      // Not the answer a create gets: bind all of it, as Fabric8 would.
      return client.getKubernetesSerialization().unmarshal(new String(response.body(), StandardCharsets.UTF_8), ImagePipelineExecution.class);
    }
    var created = new ImagePipelineExecution();
    created.setMetadata(new ObjectMetaBuilder(desired.getMetadata())
        .withResourceVersion(server.getResourceVersion())
        .withUid(server.getUid())
        .withCreationTimestamp(server.getCreationTimestamp())
        .withGeneration(server.getGeneration())
        .build());
    created.setSpec(desired.getSpec());
    created.setStatus(desired.getStatus());
    return created;
  }

  /**
   * The metadata fields the server sets on a create, read from the answer without binding the rest
   * (which is what was sent, and managedFields), and without reading it once all four are read;
   * null if the answer has no metadata object.
   */
  static ObjectMeta serverMetadata(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken value = p.nextToken();
        if (name.equals("metadata") && value == JsonToken.START_OBJECT) {
          return metadata(p);
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  private static ObjectMeta metadata(JsonParser p) throws IOException {
    var meta = new ObjectMeta();
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken value = p.nextToken();
      String text = value == JsonToken.VALUE_STRING ? p.getText() : null;
      switch (name) {
        case "resourceVersion" -> meta.setResourceVersion(text);
        case "uid" -> meta.setUid(text);
        case "creationTimestamp" -> meta.setCreationTimestamp(text);
        case "generation" -> meta.setGeneration(value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null);
        default -> {}
      }
      if (meta.getResourceVersion() != null && meta.getUid() != null && meta.getCreationTimestamp() != null && meta.getGeneration() != null) {
        // The API server writes a custom resource's keys in alphabetical order (uid last in
        // metadata, spec and status after it): once the four are read, the rest need not be.
        return meta;
      }
      p.skipChildren();
    }
    return meta;
  }
}
