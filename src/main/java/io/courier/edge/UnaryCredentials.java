package io.courier.edge;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CredentialVerifier;
import io.courier.common.LruMap;
import io.courier.common.Rejections;
import io.courier.common.RetryAfter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The credential check of unary calls, which otherwise costs a database read for any well-formed token, a random one
 * included. A refused credential costs its client address a unit of a cluster-wide budget and is remembered on this
 * node (by digest, bounded, least recently used first out), so presenting it again reads nothing. An address whose
 * budget ran out is remembered too, until it would refill: its unary calls are refused before any database read or
 * grid round trip — unless the credential passed here lately, so honest devices behind the same NAT keep working
 * (it is checked as usual). Only the issued spelling of a token is ever looked up (see DeviceToken), so one secret is
 * one key.
 */
final class UnaryCredentials {
    private final Supplier<CredentialVerifier> verifier;
    private final Supplier<RateLimiter> limiter;
    private final RateLimit failures;
    private final LongSupplier millis;
    private final Map<String, Boolean> refused;
    /** Credentials that passed here lately: an address's block doesn't refuse them (many devices share one NAT). */
    private final Map<String, Boolean> passed;
    private final Map<String, Long> blockedUntil;

    UnaryCredentials(Supplier<CredentialVerifier> verifier, Supplier<RateLimiter> limiter, RateLimit failures,
            int remembered, LongSupplier millis) {
        this.verifier = verifier;
        this.limiter = limiter;
        this.failures = failures;
        this.millis = millis;
        this.refused = new LruMap<>(remembered, true);
        this.passed = new LruMap<>(remembered, true);
        this.blockedUntil = new LruMap<>(remembered, true);
    }

    CompletionStage<AuthenticatedDevice> verify(String token, String peer) {
        long now = millis.getAsLong();
        String digest = AuthInterceptor.digest(token);
        Long until;
        synchronized (blockedUntil) {
            until = blockedUntil.get(peer);
        }
        boolean knownGood;
        synchronized (passed) {
            knownGood = passed.containsKey(digest);
        }
        if (until != null && until > now && !knownGood) {
            return CompletableFuture.failedFuture(tooMany(until - now));
        }
        boolean known;
        synchronized (refused) {
            known = refused.containsKey(digest);
        }
        if (known) {
            return charged(peer, Rejections.unauthenticated("unknown or revoked device"));
        }
        CompletionStage<AuthenticatedDevice> checked;
        try {
            checked = verifier.get().verify(token);
        } catch (StatusRuntimeException e) {
            checked = CompletableFuture.failedFuture(e);
        }
        return checked.thenApply(device -> {
            synchronized (passed) {
                passed.put(digest, Boolean.TRUE);
            }
            return device;
        }).exceptionallyCompose(error -> {
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (!(cause instanceof StatusRuntimeException s)
                    || s.getStatus().getCode() != Status.Code.UNAUTHENTICATED) {
                return CompletableFuture.failedFuture(cause);
            }
            synchronized (refused) {
                refused.put(digest, Boolean.TRUE);
            }
            synchronized (passed) {
                passed.remove(digest); // revoked since
            }
            return charged(peer, s);
        });
    }

    /** Charges the address a refusal: fails with {@code refusal}, or RESOURCE_EXHAUSTED once its budget is spent. */
    private CompletionStage<AuthenticatedDevice> charged(String peer, StatusRuntimeException refusal) {
        return limiter.get().tryAcquire(failures, peer).toFuture().thenCompose(waitMillis -> {
            if (waitMillis > 0) {
                synchronized (blockedUntil) {
                    blockedUntil.put(peer, millis.getAsLong() + waitMillis);
                }
                return CompletableFuture.failedFuture(tooMany(waitMillis));
            }
            return CompletableFuture.failedFuture(refusal);
        });
    }

    private StatusRuntimeException tooMany(long waitMillis) {
        return RetryAfter.resourceExhausted("too many " + failures.name(), waitMillis);
    }
}
