package io.courier.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

import io.courier.common.AuthenticatedDevice;
import io.courier.local.FreePorts;
import io.courier.support.SecondMember;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The per-frame "still current?" cache: an entry in its second half answers at once while one read refreshes it, so
 * a stream's frames don't all wait for the database when the entry ends; past its end a frame waits for the read.
 * A real Hazelcast member carries the removals topic; the database read is a gate the test opens.
 */
class CurrentDevicesTest {
    private static final long HALF = CurrentDevices.TTL_NANOS / 2;
    private static HazelcastInstance member;

    private final AuthenticatedDevice device = new AuthenticatedDevice(UUID.randomUUID(), 1, 7);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger reads = new AtomicInteger();
    /** The pending database read: the test answers it with a generation, or with none (no row). */
    private volatile Sinks.One<Long> pending;
    private CurrentDevices current;

    @BeforeAll
    static void startMember() {
        int port = FreePorts.pick();
        member = SecondMember.start("current-devices-" + UUID.randomUUID(), port, List.of("127.0.0.1:" + port),
                List.of());
    }

    @AfterAll
    static void stopMember() {
        member.getLifecycleService().terminate();
    }

    @BeforeEach
    void cache() {
        current = new CurrentDevices((accountId, deviceId) -> Mono.defer(() -> {
            reads.incrementAndGet();
            pending = Sinks.one();
            return pending.asMono();
        }), member.getTopic("current-devices-test-" + UUID.randomUUID()), now::get);
    }

    @Test
    void anEntryInItsSecondHalfAnswersAtOnceWhileOneReadRefreshesItInTheBackground() {
        CompletableFuture<Boolean> first = current.isCurrent(device).toFuture();
        answer(7L);
        assertThat(first).isCompletedWithValue(true);

        now.addAndGet(HALF - 1);
        assertThat(current.isCurrent(device).toFuture()).isCompletedWithValue(true);
        assertThat(reads).as("first half: answered from the cache").hasValue(1);

        now.addAndGet(2);
        assertThat(current.isCurrent(device).toFuture()).as("second half: at once, the read still pending")
                .isCompletedWithValue(true);
        assertThat(current.isCurrent(device).toFuture()).isCompletedWithValue(true);
        assertThat(reads).as("one background read, however many frames").hasValue(2);

        answer(8L); // re-registered meanwhile: a new generation
        assertThat(current.isCurrent(device).toFuture()).as("the refreshed entry answers").isCompletedWithValue(false);
        assertThat(reads).hasValue(2);
    }

    @Test
    void pastItsLifetimeAFrameWaitsForTheRead() {
        current.isCurrent(device).subscribe();
        answer(7L);
        now.addAndGet(CurrentDevices.TTL_NANOS);

        CompletableFuture<Boolean> late = current.isCurrent(device).toFuture();
        assertThat(late).as("past the end the cached answer is not used").isNotDone();
        answer(7L);
        assertThat(late).isCompletedWithValue(true);
    }

    @Test
    void aRefreshThatFindsNoRowDropsTheEntry() {
        current.isCurrent(device).subscribe();
        answer(7L);
        now.addAndGet(HALF + 1);
        assertThat(current.isCurrent(device).toFuture()).isCompletedWithValue(true);
        answer(null); // the device was removed and its topic message lost

        CompletableFuture<Boolean> next = current.isCurrent(device).toFuture();
        assertThat(reads).as("no entry left: the next frame reads").hasValue(3);
        answer(null);
        assertThat(next).isCompletedWithValue(false);
    }

    @Test
    void aRefreshThatStartedBeforeARemovalKeepsNothingOfWhatItRead() {
        current.isCurrent(device).subscribe();
        answer(7L);
        now.addAndGet(HALF + 1);
        current.isCurrent(device).subscribe(); // the background read starts
        current.devicesRemoved(device.accountId(), Set.of(device.deviceId())).toCompletableFuture()
                .join();
        answer(7L); // read before the removal landed

        CompletableFuture<Boolean> next = current.isCurrent(device).toFuture();
        assertThat(reads).as("the removal dropped the entry, and the stale read didn't bring it back").hasValue(3);
        answer(null);
        assertThat(next).isCompletedWithValue(false);
    }

    private void answer(Long generation) {
        Sinks.One<Long> read = pending;
        if (generation == null) {
            read.tryEmitEmpty();
        } else {
            read.tryEmitValue(generation);
        }
    }
}
