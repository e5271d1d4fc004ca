package io.courier.common;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Short names for the statuses logic classes reject bad input with; messages say what is wrong. */
public final class Rejections {
    private Rejections() {
    }

    public static StatusRuntimeException invalidArgument(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException permissionDenied(String message) {
        return Status.PERMISSION_DENIED.withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }

    /** Whether {@code error} is a NOT_FOUND rejection: for callers to whom something already gone is no failure. */
    public static boolean isNotFound(Throwable error) {
        return error instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND;
    }

    public static StatusRuntimeException failedPrecondition(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException resourceExhausted(String message) {
        return Status.RESOURCE_EXHAUSTED.withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException unauthenticated(String message) {
        return Status.UNAUTHENTICATED.withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException aborted(String message) {
        return Status.ABORTED.withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException unavailable(String message) {
        return Status.UNAVAILABLE.withDescription(message).asRuntimeException();
    }
}
