package io.courier.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.courier.common.RetryAfter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The Argon2 queue is bounded: a hash that finds every slot taken is refused before its caller spends anything. */
class PinHasherTest {
    private static final byte[] PIN = "4711".getBytes(StandardCharsets.UTF_8);
    private static final int SLOTS = 2;

    private final ExecutorService hashing = Executors.newSingleThreadExecutor();
    /** Hashes handed to the hashing thread: each is one Argon2 run. */
    private final AtomicInteger hashes = new AtomicInteger();
    private final PinHasher hasher = new PinHasher(new PinHasher.Params(64, 1, 1), Schedulers.fromExecutor(task -> {
        hashes.incrementAndGet();
        hashing.execute(task);
    }), SLOTS);

    @AfterEach
    void close() {
        hasher.close();
        hashing.shutdownNow();
    }

    @Test
    void aFullQueueRefusesResourceExhaustedBeforeTheBudgetIsSpentAndAFreedSlotIsTakenAgain() {
        // Calls whose budget check hasn't answered yet hold their slots, as queued hashes would.
        Disposable first = hasher.hash(PIN, Mono.never()).subscribe();
        Disposable second = hasher.hash(PIN, Mono.never()).subscribe();
        AtomicInteger spent = new AtomicInteger();
        Mono<Void> budget = Mono.fromRunnable(spent::incrementAndGet);

        StepVerifier.create(hasher.hash(PIN, budget)).expectErrorSatisfies(e -> {
            StatusRuntimeException refused = (StatusRuntimeException) e;
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(refused.getStatus().getDescription()).contains("PIN hashing is busy");
            assertThat(refused.getTrailers().get(RetryAfter.TRAILER)).isNotNull();
        }).verify();
        assertThat(spent).as("refused before the budget was asked").hasValue(0);

        first.dispose(); // a caller that gives up frees its slot
        PinHasher.StoredPin stored = hasher.hash(PIN, budget).block();
        assertThat(spent).hasValue(1);
        second.dispose(); // the hash above may still be letting its slot go on the hashing thread
        assertThat(hasher.matches(PIN, stored, budget).block()).isTrue();
        assertThat(spent).hasValue(2);
    }

    @Test
    void aRefusedBudgetFreesTheSlotAndHashesNothing() {
        for (int i = 0; i < SLOTS + 1; i++) {
            StepVerifier.create(hasher.hash(PIN, Mono.error(new IllegalStateException("over budget"))))
                    .expectErrorMessage("over budget").verify();
        }
        assertThat(hashes).as("no hash ran for a refused budget").hasValue(0);

        assertThat(hasher.hash(PIN, Mono.empty()).block()).as("every slot is free again").isNotNull();
        assertThat(hashes).hasValue(1);
    }
}
