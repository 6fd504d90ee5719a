package dev.imagebuilder.operator.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * Something that goes wrong on purpose, injected with {@link EcsSimulator#failNext(int, Fault)}.
 *
 * <p>A fault is either an error answer in ECS's JSON shape, a body that is not JSON at all (what a load
 * balancer in front of ECS sends when it gives up), or a delay before the normal answer (to outlast a
 * client's read timeout). Faults are immutable; the narrowing methods ({@link #onlyWithNextToken()},
 * {@link #onlyForAction(String)}) return a copy.
 *
 * <p>The HTTP statuses are those ECS documents: throttling codes come back as 400, not 429, which is
 * why a client must look at the error code rather than the status to decide to back off.
 */
public final class Fault {

    enum Kind { ERROR, RAW, DELAY }

    private final Kind kind;
    private final int httpStatus;
    private final String code;
    private final String message;
    private final String contentType;
    private final Duration delay;
    private final boolean onlyWithNextToken;
    private final String action;

    private Fault(Kind kind, int httpStatus, String code, String message, String contentType, Duration delay,
                  boolean onlyWithNextToken, String action) {
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.code = code;
        this.message = message;
        this.contentType = contentType;
        this.delay = delay;
        this.onlyWithNextToken = onlyWithNextToken;
        this.action = action;
    }

    /** Any ECS-style error: {@code {"Code":code,"Message":message,"RequestId":...}} with the given HTTP status. */
    public static Fault error(int httpStatus, String code, String message) {
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("an error needs a 4xx or 5xx status, not " + httpStatus);
        }
        return new Fault(Kind.ERROR, httpStatus, Objects.requireNonNull(code), Objects.requireNonNull(message),
                null, null, false, null);
    }

    /**
     * Flow control with the given code ({@code Throttling}, {@code Throttling.User}, {@code Throttling.Api},
     * {@code Rejected.Throttling}, ...) answered with HTTP 400, as ECS does.
     */
    public static Fault throttling(String code) {
        return throttling(code, 400);
    }

    /** Flow control with an explicit status, e.g. 429 to check a client does not rely on the status alone. */
    public static Fault throttling(String code, int httpStatus) {
        String message = switch (code) {
            case "Throttling.User" -> "Request was denied due to user flow control.";
            case "Throttling.Api" -> "Request was denied due to api flow control.";
            default -> "Request was denied due to request throttling.";
        };
        return error(httpStatus, code, message);
    }

    /** HTTP 503 {@code ServiceUnavailable}. */
    public static Fault serviceUnavailable() {
        return error(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.");
    }

    /** HTTP 500 {@code InternalError}. */
    public static Fault internalError() {
        return error(500, "InternalError",
                "The request processing has failed due to some unknown error, exception or failure.");
    }

    /** HTTP 403 {@code Forbidden.RAM}: the caller's RAM policy does not allow the action. */
    public static Fault forbiddenRam() {
        return error(403, "Forbidden.RAM",
                "User not authorized to operate on the specified resource, or this API doesn't support RAM.");
    }

    /**
     * HTTP 403 {@code Invalid.NextToken}, only for calls that carry a NextToken: the token expired
     * between two pages, and the client must start over from the first page.
     */
    public static Fault invalidNextToken() {
        return error(403, "Invalid.NextToken", "The specified NextToken is not valid.").onlyWithNextToken();
    }

    /** A body that is not JSON, with any status and content type. */
    public static Fault nonJson(int httpStatus, String contentType, String body) {
        return new Fault(Kind.RAW, httpStatus, null, Objects.requireNonNull(body), Objects.requireNonNull(contentType),
                null, false, null);
    }

    /** The HTML 502 page a gateway sends when the service behind it is down. */
    public static Fault badGatewayHtml() {
        return nonJson(502, "text/html",
                "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                        + "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n");
    }

    /** Waits this long, then answers normally: longer than a client's read timeout makes the client give up. */
    public static Fault delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay");
        }
        return new Fault(Kind.DELAY, 0, null, null, null, delay, false, null);
    }

    /** The same fault, matching only calls that carry a non-empty NextToken (a later page of a listing). */
    public Fault onlyWithNextToken() {
        return new Fault(kind, httpStatus, code, message, contentType, delay, true, action);
    }

    /** The same fault, matching only calls of the given API action. */
    public Fault onlyForAction(String action) {
        return new Fault(kind, httpStatus, code, message, contentType, delay, onlyWithNextToken,
                Objects.requireNonNull(action));
    }

    boolean matches(String requestAction, boolean hasNextToken) {
        return (!onlyWithNextToken || hasNextToken) && (action == null || action.equals(requestAction));
    }

    Kind kind() {
        return kind;
    }

    int httpStatus() {
        return httpStatus;
    }

    String code() {
        return code;
    }

    String message() {
        return message;
    }

    String contentType() {
        return contentType;
    }

    Duration delay() {
        return delay;
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case ERROR -> httpStatus + " " + code;
            case RAW -> httpStatus + " non-JSON " + contentType;
            case DELAY -> "delay " + delay;
        };
        return "Fault[" + what + (onlyWithNextToken ? ", only with NextToken" : "")
                + (action != null ? ", only for " + action : "") + "]";
    }
}
