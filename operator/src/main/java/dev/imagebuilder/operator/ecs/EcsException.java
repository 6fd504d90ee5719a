package dev.imagebuilder.operator.ecs;

/**
 * An ECS call that failed, classified once so that callers only decide what to do about each
 * {@link Kind}. The message is bounded and never carries credentials.
 */
public class EcsException extends Exception {

  /** What went wrong, as far as deciding whether a retry can help. */
  public enum Kind {
    /** ECS refused the call for its request rate; retry after the throttling window. */
    THROTTLED(true),
    /** ECS or the network failed (5xx, timeout, refused connection, unreadable body); retry. */
    UNAVAILABLE(true),
    /** The pipeline does not exist (any more). */
    PIPELINE_NOT_FOUND(false),
    /** The credentials are unknown, wrong or lack permission. */
    ACCESS_DENIED(false),
    /** ECS rejected a parameter; the spec needs a change. */
    INVALID_REQUEST(false),
    /** ECS answered something that cannot be right, such as a NextToken it already gave; retry. */
    BAD_RESPONSE(true),
    /**
     * The operator's own request budget had no request free for this namespace within its maximum
     * wait: other watches spend it; retry.
     */
    BUDGET_WAIT(true),
    /** The listing holds more executions than the operator keeps for one watch. */
    TOO_LARGE(false),
    /**
     * The listing did not end within its page or time limit, or ECS gave a NextToken again: paging
     * on could go on forever.
     */
    UNBOUNDED(false);

    private final boolean transientFailure;

    Kind(boolean transientFailure) {
      this.transientFailure = transientFailure;
    }

    public boolean isTransient() {
      return transientFailure;
    }
  }

  private final Kind kind;
  private final String code;

  public EcsException(Kind kind, String code, String message) {
    super(message);
    this.kind = kind;
    this.code = code;
  }

  public Kind kind() {
    return kind;
  }

  /** The ECS error code, such as Throttling.User, or a name for a network failure. */
  public String code() {
    return code;
  }
}
