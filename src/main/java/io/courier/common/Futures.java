package io.courier.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting on a future whose failure the waiter reports as its own (a start's, a migration's). */
public final class Futures {
    private Futures() {
    }

    /** Joins; a failure is rethrown as the RuntimeException it was, a checked one inside its CompletionException. */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
