package io.courier.common;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * RESOURCE_EXHAUSTED (or UNAVAILABLE) with a retry hint a client can act on: in the message for people, and as the trailer
 * {@code retry-after-ms} for programs.
 */
public final class RetryAfter {
    public static final Metadata.Key<String> TRAILER = Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

    private RetryAfter() {
    }

    /** @param what what there was too much of, e.g. "too many stream opens of this device" */
    public static StatusRuntimeException resourceExhausted(String what, long waitMillis) {
        return withHint(Status.RESOURCE_EXHAUSTED, what, waitMillis);
    }

    /** UNAVAILABLE with the same hint: the server is busy, not the caller over its own budget. */
    public static StatusRuntimeException unavailable(String what, long waitMillis) {
        return withHint(Status.UNAVAILABLE, what, waitMillis);
    }

    private static StatusRuntimeException withHint(Status status, String what, long waitMillis) {
        long seconds = Math.max(1, (waitMillis + 999) / 1000);
        Metadata trailers = new Metadata();
        trailers.put(TRAILER, Long.toString(Math.max(1, waitMillis)));
        return status.withDescription(what + "; retry in " + seconds + " s").asRuntimeException(trailers);
    }
}
