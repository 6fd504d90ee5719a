package dev.imagebuilder.operator.ecs;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * The HTTP proxy that the ECS calls, and only they, go through. The SDK speaks plain HTTP to it:
 * an https endpoint is tunnelled with CONNECT, an http one (the simulator) is asked in absolute
 * form. Its text form never shows a user or password, so a record that holds it may be logged.
 *
 * @param uri {@code http://[user:password@]host:port}, checked by {@link #parse}
 */
public record EcsProxy(URI uri) {

  /**
   * What the SDK can carry: it splits the user info at the first colon and never decodes
   * percent-escapes, so a user or password with a colon, an at sign or an escape would reach the
   * proxy changed.
   */
  private static final Pattern USER_INFO = Pattern.compile("[^:@%]+:[^:@%]+");

  /**
   * The proxy in {@code text}, or null for blank text (no proxy). Refused, with a message naming
   * {@code variable} and showing the value without its user info:
   *
   * <ul>
   *   <li>anything that is not a URL;
   *   <li>a scheme other than http (https:// and socks5:// proxies are not supported by the SDK);
   *   <li>no host, or no port (the SDK has no default port for a proxy);
   *   <li>a path other than "/", a query or a fragment;
   *   <li>a user without a password or the reverse, or either with ':', '@' or a percent-escape.
   * </ul>
   */
  public static EcsProxy parse(String variable, String text) {
    String value = text == null ? "" : text.strip();
    if (value.isEmpty()) {
      return null;
    }
    String shown = "'" + redact(value) + "'";
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          variable + " must be a URL such as http://proxy.example:3128, not " + shown);
    }
    if (!"http".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException(
          variable + " must start with http:// (the SDK speaks plain HTTP to the proxy and tunnels HTTPS "
              + "through it), not " + shown);
    }
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    int at = authority.lastIndexOf('@');
    if (at >= 0 && !USER_INFO.matcher(authority.substring(0, at)).matches()) {
      throw new IllegalArgumentException(
          variable + " must give the proxy's user and password together, as http://user:password@host:port, "
              + "neither holding ':', '@' or a %-escape (the SDK does not decode them), not " + shown);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(
          variable + " must name the proxy as http://host:port or http://user:password@host:port, not " + shown);
    }
    if (uri.getPort() < 1 || uri.getPort() > 65535) {
      throw new IllegalArgumentException(
          variable + " needs the proxy's port, as in http://proxy.example:3128, not " + shown);
    }
    boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
        && uri.getRawQuery() == null
        && uri.getRawFragment() == null;
    if (!bare) {
      throw new IllegalArgumentException(
          variable + " must be only http://host:port, without a path, query or fragment, not " + shown);
    }
    return new EcsProxy(uri);
  }

  /** The URL for the SDK, user and password included. */
  String url() {
    return uri.toString();
  }

  /** The URL with any user and password replaced by {@code ***}. */
  @Override
  public String toString() {
    return redact(uri.toString());
  }

  /**
   * {@code text}, a proxy URL or what was meant as one, with everything between the scheme and the
   * last '@' replaced by {@code ***}: a malformed URL loses too much rather than leak a password.
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    int at = text.lastIndexOf('@');
    if (at < 0) {
      return text;
    }
    int scheme = text.indexOf("://");
    int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
    return text.substring(0, start) + "***" + text.substring(at);
  }
}
