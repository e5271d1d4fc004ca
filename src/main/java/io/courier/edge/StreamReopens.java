package io.courier.edge;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.courier.common.LruMap;
import io.courier.common.RetryAfter;
import io.courier.common.TokenBucket;

/**
 * This node's share of stream <em>re</em>opens: opens with a credential that already opened a stream here within
 * the reopen window. Each credential's own open budget holds (cluster-wide), but a thousand credentials, each within
 * it, reconnecting together cost the node a credential read, a presence registration, a drain and on each end a
 * presence removal, hundreds of times a second — enough to take every other stream's latency to seconds on a small
 * node (see the abuse benchmark). Reopens beyond the node's share are refused UNAVAILABLE with a retry hint, before
 * any other check; a reopen that a later check refuses gives its share back. First opens (a restart's reconnect
 * storm, devices moving here from another node) and streams already open are not touched. Keyed by the credential's
 * digest, remembered only once an open got through (a stranger's garbage tokens can't push real credentials out), at
 * most {@code maxKept}, the oldest forgotten first. Until then its attempt is counted apart, from the moment it is
 * admitted: an open of a credential with an attempt under way is a reopen too, else parallel opens of one credential
 * would all be first opens until the first one got through.
 */
final class StreamReopens {
    private final TokenBucket share;
    /** The time the share takes to refill whole: refused clients are told to come back spread over it. */
    private final long refillWholeMillis;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Long> openedAt;
    /** Admitted opens under way per credential; an entry goes when its last one ends. */
    private final Map<String, Integer> attempting = new HashMap<>();

    /**
     * @param burst    reopens at once
     * @param refill   one more reopen every
     * @param window   how long after its last open here a credential's next open is a reopen
     * @param maxKept  credentials remembered
     * @param nanoTime the clock ({@link System#nanoTime} but in tests)
     */
    StreamReopens(int burst, Duration refill, Duration window, int maxKept, LongSupplier nanoTime) {
        if (maxKept < 1) {
            throw new IllegalArgumentException("courier.edge.kept-openers must be at least 1, was " + maxKept);
        }
        this.share = new TokenBucket(burst, refill, nanoTime);
        this.refillWholeMillis = Math.max(2, refill.toMillis() * burst);
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
        this.openedAt = new LruMap<>(maxKept, false);
    }

    static StreamReopens of(EdgeConfig config) {
        return new StreamReopens(config.nodeReopenBurst(), config.nodeReopenRefill(), config.reopenWindow(),
                config.keptOpeners(), System::nanoTime);
    }

    /**
     * Runs {@code open} unless it is a reopen beyond the node's share (then a failed stage: UNAVAILABLE with
     * {@code retry-after-ms}); an open that completes normally makes the credential's next open a reopen.
     *
     * @param credential a digest of the credential, never the credential itself
     */
    <T> CompletionStage<T> admit(String credential, Supplier<CompletionStage<T>> open) {
        boolean spent = attempt(credential);
        if (spent && !share.tryTake()) {
            ended(credential, false);
            // Not the time to the next single reopen (a refill interval: every refused client would come back at
            // once and be refused again), but a random moment within one whole refill of the share, after it.
            long next = Math.max(1, share.nanosUntilNext() / 1_000_000);
            long waitMillis = next + ThreadLocalRandom.current().nextLong(refillWholeMillis);
            return CompletableFuture.failedFuture(
                    RetryAfter.unavailable("too many reconnects on this server", waitMillis));
        }
        CompletionStage<T> opened;
        try {
            opened = open.get();
        } catch (RuntimeException e) {
            opened = CompletableFuture.failedFuture(e);
        }
        return opened.whenComplete((result, error) -> {
            ended(credential, error == null);
            if (error != null && spent) {
                // Refused by a later check (its own open budget, its credential): no stream, so no share spent.
                // Else one device reopening far beyond its own budget would spend the node's share for everyone.
                share.giveBack();
            }
        });
    }

    /** Counts an attempt of {@code credential}; whether it is a reopen, checked in the same step. */
    private synchronized boolean attempt(String credential) {
        Long last = openedAt.get(credential);
        boolean reopening = attempting.containsKey(credential)
                || last != null && nanoTime.getAsLong() - last < windowNanos;
        attempting.merge(credential, 1, Integer::sum);
        return reopening;
    }

    /** An opened credential moves to the newest end: the eldest entry opened here longest ago. */
    private synchronized void ended(String credential, boolean opened) {
        attempting.computeIfPresent(credential, (c, underWay) -> underWay > 1 ? underWay - 1 : null);
        if (opened) {
            openedAt.remove(credential);
            openedAt.put(credential, nanoTime.getAsLong());
        }
    }

    /** Credentials remembered (tests). */
    synchronized int kept() {
        return openedAt.size();
    }

    /** Credentials with an open under way (tests). */
    synchronized int underWay() {
        return attempting.size();
    }
}
