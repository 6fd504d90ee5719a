package dev.imagebuilder.operator;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.vertx.VertxHttpClient;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientBuilder;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import java.nio.ByteBuffer;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The Kubernetes client's TLS, offering ChaCha20-Poly1305 before AES-GCM. The operator's JVM runs
 * its quick compiler only (the chart's {@code -XX:TieredStopAtLevel=1}), which has no AES-GCM
 * intrinsics: in plain Java, AES-GCM costs about four times what ChaCha20-Poly1305 does, and it was
 * the largest layer of the initial sync's profile. A Go API server picks the client's first TLS
 * 1.3 suite when that is ChaCha20-Poly1305; a server with an order of its own keeps it. Netty,
 * under Fabric8's Vert.x client, enables its own list of suites on every engine and leaves
 * ChaCha20 out; the engines made here put the JDK's ChaCha20 suites in front of that list. Nothing
 * else changes: the same protocols, certificates and checks.
 */
final class ChaChaFirst {

  private ChaChaFirst() {}

  /** Fabric8's Vert.x client factory, its TLS offering ChaCha20-Poly1305 first. */
  static HttpClient.Factory factory() {
    return new VertxHttpClientFactory() {
      @Override
      public VertxHttpClientBuilder<VertxHttpClientFactory> newBuilder() {
        return new VertxHttpClientBuilder<>(this, null) {
          @Override
          public VertxHttpClient<VertxHttpClientFactory> build() {
            if (sslContext != null && !(sslContext instanceof Context)) {
              sslContext = new Context(sslContext);
            }
            return super.build();
          }
        };
      }
    };
  }

  /**
   * The suites, led by the engine's ChaCha20-Poly1305 suites of the kinds among them (TLS 1.3's,
   * and TLS 1.2's with ECDHE), the rest in their order.
   */
  static String[] first(String[] suites, String[] supported) {
    boolean tls13 = Arrays.stream(suites).anyMatch(TLS13::contains);
    boolean ecdhe = Arrays.stream(suites).anyMatch(s -> s.startsWith("TLS_ECDHE_"));
    List<String> ordered = new ArrayList<>();
    for (String suite : supported) {
      if (suite.contains("_CHACHA20_POLY1305_") && ((tls13 && TLS13.contains(suite)) || (ecdhe && suite.startsWith("TLS_ECDHE_")))) {
        ordered.add(suite);
      }
    }
    for (String suite : suites) {
      if (!ordered.contains(suite)) {
        ordered.add(suite);
      }
    }
    return ordered.toArray(String[]::new);
  }

  /** TLS 1.3's suites, as Netty knows them. */
  private static final Set<String> TLS13 = Set.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256",
      "TLS_AES_128_CCM_8_SHA256");

  /** The same context, its engines reordering the suites they are given. */
  static final class Context extends SSLContext {
    Context(SSLContext delegate) {
      super(new Spi(delegate), delegate.getProvider(), delegate.getProtocol());
    }
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext delegate;

    Spi(SSLContext delegate) {
      this.delegate = delegate;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
      delegate.init(km, tm, random);
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return delegate.getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return delegate.getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return new Engine(delegate.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return new Engine(delegate.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return delegate.getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return delegate.getSupportedSSLParameters();
    }
  }

  /** The JDK's engine, but for the order of the suites it is told to enable. */
  private static final class Engine extends SSLEngine {
    private final SSLEngine e;

    Engine(SSLEngine e) {
      super(e.getPeerHost(), e.getPeerPort());
      this.e = e;
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
      e.setEnabledCipherSuites(first(suites, e.getSupportedCipherSuites()));
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
      if (params.getCipherSuites() != null) {
        params.setCipherSuites(first(params.getCipherSuites(), e.getSupportedCipherSuites()));
      }
      e.setSSLParameters(params);
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
      return e.wrap(srcs, offset, length, dst);
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
      return e.unwrap(src, dsts, offset, length);
    }

    @Override
    public Runnable getDelegatedTask() {
      return e.getDelegatedTask();
    }

    @Override
    public void closeInbound() throws SSLException {
      e.closeInbound();
    }

    @Override
    public boolean isInboundDone() {
      return e.isInboundDone();
    }

    @Override
    public void closeOutbound() {
      e.closeOutbound();
    }

    @Override
    public boolean isOutboundDone() {
      return e.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return e.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
      return e.getEnabledCipherSuites();
    }

    @Override
    public String[] getSupportedProtocols() {
      return e.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
      return e.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
      e.setEnabledProtocols(protocols);
    }

    @Override
    public SSLSession getSession() {
      return e.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
      return e.getHandshakeSession();
    }

    @Override
    public void beginHandshake() throws SSLException {
      e.beginHandshake();
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
      return e.getHandshakeStatus();
    }

    @Override
    public void setUseClientMode(boolean mode) {
      e.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
      return e.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
      e.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
      return e.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
      e.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
      return e.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
      e.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
      return e.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
      return e.getSSLParameters();
    }

    @Override
    public String getApplicationProtocol() {
      return e.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
      return e.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
      e.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
      return e.getHandshakeApplicationProtocolSelector();
    }
  }
}
