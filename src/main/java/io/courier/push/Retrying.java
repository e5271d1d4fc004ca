package io.courier.push;

import java.time.Duration;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Timeouts, retries with doubling backoff and the final answer for both senders: a request that throws
 * {@link Transient} (or times out, or fails to connect) is tried again, up to the configured attempts.
 */
final class Retrying {
    /** A push service answer worth another try (429, 5xx). */
    static final class Transient extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Transient(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Duration timeout;
    private final int attempts;
    private final Duration backoff;

    Retrying(Duration timeout, int attempts, Duration backoff) {
        this.timeout = timeout;
        this.attempts = attempts;
        this.backoff = backoff;
    }

    Mono<WakeResult> run(Supplier<Mono<WakeResult>> request) {
        return Mono.defer(request).timeout(timeout)
                .retryWhen(Retry.backoff(attempts - 1L, backoff).jitter(0.2)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .onErrorResume(e -> Mono.just(new WakeResult.Failed(describe(e))));
    }

    /** Push service reasons and I/O errors: neither carries a token (it travels in the path or the body). */
    private static String describe(Throwable e) {
        if (e instanceof Transient) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
