package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.observability.SelfSignedTls;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChaChaFirstTest {

  static final String SUPPORTED =
      "TLS_AES_256_GCM_SHA384 TLS_AES_128_GCM_SHA256 TLS_CHACHA20_POLY1305_SHA256 "
          + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 "
          + "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 TLS_RSA_WITH_AES_128_GCM_SHA256";

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      Netty's list: TLS 1.3 and ECDHE ChaCha20 lead    | TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_RSA_WITH_AES_128_GCM_SHA256 TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 | TLS_CHACHA20_POLY1305_SHA256 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_RSA_WITH_AES_128_GCM_SHA256 TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384
      TLS 1.3 only: no TLS 1.2 suite is added          | TLS_AES_128_GCM_SHA256                                                          | TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256
      TLS 1.2 without ECDHE: nothing added             | TLS_RSA_WITH_AES_128_GCM_SHA256                                                 | TLS_RSA_WITH_AES_128_GCM_SHA256
      TLS 1.2 and the renegotiation signal: no TLS 1.3 | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_EMPTY_RENEGOTIATION_INFO_SCSV         | TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_EMPTY_RENEGOTIATION_INFO_SCSV
      ChaCha20 already listed last: moved to the front | TLS_AES_128_GCM_SHA256 TLS_CHACHA20_POLY1305_SHA256                             | TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256
      """)
  void chaCha20SuitesOfTheKindsListedGoFirst(String name, String suites, String expected) {
    assertThat(ChaChaFirst.first(suites.split(" "), SUPPORTED.split(" "))).containsExactly(expected.split(" "));
  }

  /**
   * Against a server that takes the client's order, as Go's API server does for ChaCha20 first,
   * the operator's Kubernetes client gets ChaCha20-Poly1305; Netty's own list would give AES-GCM.
   */
  @Test
  void theKubernetesClientNegotiatesChaCha20WhereTheServerTakesTheClientsOrder() throws Exception {
    var context = SelfSignedTls.serverContext("127.0.0.1");
    try (var server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var params = server.getSSLParameters();
      params.setUseCipherSuitesOrder(false);
      server.setSSLParameters(params);
      var negotiated = CompletableFuture.supplyAsync(() -> {
        try (var socket = (SSLSocket) server.accept()) {
          var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
          while (!in.readLine().isEmpty()) {
            // the request's head
          }
          socket.getOutputStream().write(
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                  .getBytes(StandardCharsets.US_ASCII));
          socket.getOutputStream().flush();
          return socket.getSession().getCipherSuite();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      var config = new ConfigBuilder(KubernetesClients.config())
          .withMasterUrl("https://127.0.0.1:" + server.getLocalPort())
          .withTrustCerts(true)
          .build();
      try (var client = KubernetesClients.build(config)) {
        var http = client.getHttpClient();
        var answer = http.sendAsync(http.newHttpRequestBuilder().uri(config.getMasterUrl() + "version").build(), String.class)
            .get(30, TimeUnit.SECONDS);
        assertThat(answer.code()).isEqualTo(200);
      }
      assertThat(negotiated.get(30, TimeUnit.SECONDS)).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    }
  }
}
