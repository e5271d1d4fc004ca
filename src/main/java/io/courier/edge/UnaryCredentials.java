package io.courier.edge;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 * one key. The budget is charged only when a read has answered, so an address also gets at most
 * {@code readsPerPeer} reads of credentials that didn't pass here lately in flight at once: more are refused like an
 * address over its budget, before any read — else many unknown tokens sent at once all read before the first charge.
 */
final class UnaryCredentials {
    /** What a call refused for its address's reads in flight is told to wait: a read answers well within it. */
    private static final long BUSY_RETRY_MILLIS = 1000;

    private final Supplier<CredentialVerifier> verifier;
    private final Supplier<RateLimiter> limiter;
    private final RateLimit failures;
    private final LongSupplier millis;
    private final Map<String, Boolean> refused;
    /** Credentials that passed here lately: an address's block doesn't refuse them (many devices share one NAT). */
    private final Map<String, Boolean> passed;
    private final Map<String, Long> blockedUntil;
    private final int readsPerPeer;
    /** Reads of not-known-good credentials in flight per address; an address leaves when its last read answers. */
    private final Map<String, Integer> reading = new ConcurrentHashMap<>();

    UnaryCredentials(Supplier<CredentialVerifier> verifier, Supplier<RateLimiter> limiter, RateLimit failures,
            int readsPerPeer, int remembered, LongSupplier millis) {
        if (readsPerPeer < 1) {
            throw new IllegalArgumentException("courier.edge.unverified-reads-per-peer must be at least 1, was "
                    + readsPerPeer);
        }
        this.verifier = verifier;
        this.limiter = limiter;
        this.failures = failures;
        this.readsPerPeer = readsPerPeer;
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
        if (!knownGood && !startRead(peer)) {
            return CompletableFuture.failedFuture(RetryAfter.resourceExhausted("too many credential checks from"
                    + " this address at once", BUSY_RETRY_MILLIS));
        }
        CompletionStage<AuthenticatedDevice> checked;
        try {
            checked = verifier.get().verify(token);
        } catch (RuntimeException e) { // refused at once (malformed), or failed: the read slot must go back
            checked = CompletableFuture.failedFuture(e);
        }
        if (!knownGood) {
            checked = checked.whenComplete((device, error) -> endRead(peer));
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

    /** Counts a read for {@code peer}, unless it has {@code readsPerPeer} in flight already. */
    private boolean startRead(String peer) {
        boolean[] started = {false};
        reading.compute(peer, (p, inFlight) -> {
            int now = inFlight == null ? 0 : inFlight;
            started[0] = now < readsPerPeer;
            return started[0] ? now + 1 : now;
        });
        return started[0];
    }

    private void endRead(String peer) {
        reading.computeIfPresent(peer, (p, inFlight) -> inFlight > 1 ? inFlight - 1 : null);
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
