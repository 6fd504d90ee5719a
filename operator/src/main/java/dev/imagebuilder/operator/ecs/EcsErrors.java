package dev.imagebuilder.operator.ecs;

import com.aliyun.tea.TeaException;
import dev.imagebuilder.operator.ecs.EcsException.Kind;
import java.util.Locale;
import java.util.regex.Pattern;

/** Turns whatever the Alibaba SDK throws into an {@link EcsException} of the right kind. */
final class EcsErrors {

  /** Longest ECS message kept; ECS error texts are short, an echoed request is not. */
  static final int MAX_MESSAGE = 256;

  /**
   * Servers that reject a signature may echo the string they signed, which can hold a security
   * token; nothing from that point on is kept.
   */
  private static final Pattern ECHOED_REQUEST =
      Pattern.compile("(?i)(string ?to ?sign|canonical ?request|securitytoken|security-token).*", Pattern.DOTALL);

  private EcsErrors() {}

  static EcsException from(Throwable failure) {
    if (failure instanceof EcsException known) {
      return known;
    }
    if (failure instanceof TeaException tea && tea.getCode() != null) {
      int status = tea.getStatusCode() == null ? 0 : tea.getStatusCode();
      return new EcsException(
          classify(status, tea.getCode()), tea.getCode(), status + " " + tea.getCode() + ": " + ecsMessage(tea));
    }
    if (failure instanceof com.aliyun.credentials.exception.CredentialException) {
      // Its text can carry what an STS or OIDC endpoint answered; only the fact is kept.
      return new EcsException(
          Kind.ACCESS_DENIED,
          "CredentialsUnavailable",
          "no usable Alibaba Cloud credentials: set an access key pair, RRSA or a credentials file");
    }
    // Timeouts, refused connections (TeaUnretryableException) and unreadable bodies all mean the
    // service could not be asked; only the exception's type is safe to show.
    return new EcsException(
        Kind.UNAVAILABLE,
        failure.getClass().getSimpleName(),
        "ECS could not be reached or answered unreadably (" + rootCause(failure) + ")");
  }

  /**
   * The kind of an ECS error response:
   *
   * <ul>
   *   <li>HTTP 429 or a code starting Throttling, or Rejected.Throttling: {@link Kind#THROTTLED};
   *   <li>unknown or inactive keys, bad signatures or tokens, Forbidden*, HTTP 401: {@link
   *       Kind#ACCESS_DENIED};
   *   <li>InvalidImagePipeline.NotFound: {@link Kind#PIPELINE_NOT_FOUND};
   *   <li>HTTP 5xx, and Invalid.NextToken (paging restarts once; a second failure is retried later),
   *       SignatureNonceUsed: {@link Kind#UNAVAILABLE};
   *   <li>any other 4xx (InvalidParameter.*, MissingParameter.*): {@link Kind#INVALID_REQUEST}.
   * </ul>
   */
  static Kind classify(int httpStatus, String code) {
    String c = code == null ? "" : code;
    if (httpStatus == 429 || c.startsWith("Throttling") || c.equals("Rejected.Throttling")) {
      return Kind.THROTTLED;
    }
    if (c.startsWith("InvalidAccessKeyId")
        || c.startsWith("InvalidSecurityToken")
        || c.equals("SignatureDoesNotMatch")
        || c.equals("IncompleteSignature")
        || c.startsWith("Forbidden")
        || c.startsWith("NoPermission")
        || httpStatus == 401) {
      return Kind.ACCESS_DENIED;
    }
    if (c.equals("InvalidImagePipeline.NotFound")) {
      return Kind.PIPELINE_NOT_FOUND;
    }
    if (httpStatus >= 500 || c.equals("Invalid.NextToken") || c.equals("SignatureNonceUsed")) {
      return Kind.UNAVAILABLE;
    }
    return Kind.INVALID_REQUEST;
  }

  /** ECS's own message, bounded and cut before anything that may echo the signed request. */
  static String sanitize(String message) {
    if (message == null) {
      return "";
    }
    String kept = ECHOED_REQUEST.matcher(message).replaceFirst("").strip();
    return kept.length() <= MAX_MESSAGE ? kept : kept.substring(0, MAX_MESSAGE) + "…";
  }

  private static String ecsMessage(TeaException tea) {
    Object body = tea.getData() == null ? null : tea.getData().get("Message");
    return sanitize(body != null ? body.toString() : tea.getMessage());
  }

  private static String rootCause(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName().toLowerCase(Locale.ROOT).contains("timeout")
        ? "timed out"
        : cause.getClass().getSimpleName();
  }
}
