package io.courier.account;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;

import reactor.core.publisher.Mono;

/**
 * The real verification code store, with a gate tests can close on the next reads of one number's pending codes:
 * each held read has read the row and waits until the test opens the gate, so "guesses that read the same attempt
 * count at once" is a deterministic step, not a timing accident. Unarmed, it changes nothing.
 */
@Alternative
@Priority(1)
@Singleton
public class GatedVerificationCodeStore extends VerificationCodeStore {
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    /** {@code reached} completes when all held reads have read; they go on once {@code open} completes. */
    public record Gate(int reads, AtomicInteger claimed, AtomicInteger arrived, CompletableFuture<Void> reached,
            CompletableFuture<Void> open) {
    }

    GatedVerificationCodeStore(CqlSession session) {
        super(session);
    }

    /** Holds the next {@code reads} reads of {@code phone}'s pending code until the returned gate opens. */
    public Gate holdReads(String phone, int reads) {
        Gate gate = new Gate(reads, new AtomicInteger(), new AtomicInteger(), new CompletableFuture<>(),
                new CompletableFuture<>());
        gates.put(phone, gate);
        return gate;
    }

    /** Reads are sessions', so a read is matched to its number's gate once it has read the session's row. */
    @Override
    Mono<PendingCode> find(byte[] sessionId) {
        return super.find(sessionId).flatMap(pending -> {
            Gate gate = pending.phone() == null ? null : gates.get(pending.phone());
            if (gate == null || gate.claimed().getAndIncrement() >= gate.reads()) {
                return Mono.just(pending);
            }
            if (gate.arrived().incrementAndGet() == gate.reads()) {
                gates.remove(pending.phone(), gate);
                gate.reached().complete(null);
            }
            return Mono.fromFuture(gate.open()).thenReturn(pending);
        });
    }
}
