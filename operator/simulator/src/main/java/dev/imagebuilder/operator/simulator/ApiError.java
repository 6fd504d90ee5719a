package dev.imagebuilder.operator.simulator;

/**
 * An error answer of the simulated ECS API: the HTTP status plus the {@code Code} and {@code Message}
 * that end up in the JSON body. Thrown anywhere while a request is handled and turned into a response
 * in one place, so handlers read as the happy path.
 */
final class ApiError extends RuntimeException {
    private final int httpStatus;
    private final String code;

    ApiError(int httpStatus, String code, String message) {
        // No stack trace: these are expected answers, not bugs, and are created on every rejected call.
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.code = code;
    }

    int httpStatus() {
        return httpStatus;
    }

    String code() {
        return code;
    }

    static ApiError missingParameter(String name) {
        return new ApiError(400, "MissingParameter",
                "The input parameter \"" + name + "\" that is mandatory for processing this request is not supplied.");
    }

    static ApiError incompleteSignature(String why) {
        return new ApiError(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards. " + why);
    }
}
