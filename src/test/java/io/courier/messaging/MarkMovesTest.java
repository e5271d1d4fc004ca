package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.courier.cluster.DeviceAddress;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Which moves go alone and which together, with a mover whose operations complete when the test says. */
class MarkMovesTest {
    private static final int SAME_PARTITION = 7;

    private final List<String> sent = new ArrayList<>();
    private final List<Sinks.Empty<Void>> running = new ArrayList<>();
    /** Devices a move finds without an entry. */
    private final Set<DeviceAddress> missing = new HashSet<>();
    /** Devices whose moves pass an item the log holds. */
    private final Set<DeviceAddress> logged = new HashSet<>();
    private final MarkMoves moves = new MarkMoves(new MarkMoves.Mover() {
        @Override
        public Mono<MarkMoves.Moved> alone(DeviceAddress device, long mark) {
            sent.add(name(device) + "=" + mark);
            return pending().then(Mono.fromSupplier(() -> new MarkMoves.Moved(
                    missing.contains(device) ? Set.of(device) : Set.of(),
                    logged.contains(device) ? Set.of(device) : Set.of())));
        }

        @Override
        public Mono<Boolean> creating(DeviceAddress device, long mark) {
            sent.add("+" + name(device) + "=" + mark);
            return pending().then(Mono.fromSupplier(() -> logged.contains(device)));
        }

        @Override
        public Mono<MarkMoves.Moved> together(int partition, Map<DeviceAddress, Long> marks) {
            List<String> batch = new ArrayList<>();
            marks.forEach((device, mark) -> batch.add(name(device) + "=" + mark));
            batch.sort(null);
            sent.add(partition + ":" + batch);
            return pending().then(Mono.fromSupplier(() -> new MarkMoves.Moved(Set.copyOf(missing),
                    Set.copyOf(logged))));
        }
    }, device -> device.deviceId() == 9 ? 8 : SAME_PARTITION);

    private final DeviceAddress a = device(1);
    private final DeviceAddress b = device(2);
    private final DeviceAddress c = device(3);
    private final DeviceAddress elsewhere = device(9);

    private static DeviceAddress device(int id) {
        return new DeviceAddress(new UUID(0, id), id);
    }

    private static String name(DeviceAddress device) {
        return "d" + device.deviceId();
    }

    private Mono<Void> pending() {
        Sinks.Empty<Void> done = Sinks.empty();
        running.add(done);
        return done.asMono();
    }

    @Test
    void aMoveGoesAloneAndThoseThatComeWhileItRunsGoTogetherAfterIt() {
        CompletableFuture<Boolean> first = moves.move(a, 10).toFuture();
        CompletableFuture<Boolean> second = moves.move(b, 20).toFuture();
        CompletableFuture<Boolean> third = moves.move(c, 30).toFuture();
        CompletableFuture<Boolean> newer = moves.move(b, 25).toFuture();
        CompletableFuture<Boolean> other = moves.move(elsewhere, 5).toFuture();

        assertThat(sent).as("one at a time per partition; another partition's goes at once")
                .containsExactly("d1=10", "d9=5");
        running.get(0).tryEmitEmpty();
        assertThat(first).isCompleted();
        assertThat(sent).as("what waited goes in one operation, each device at its newest mark")
                .containsExactly("d1=10", "d9=5", SAME_PARTITION + ":[d2=25, d3=30]");
        assertThat(second).isNotDone();
        running.get(2).tryEmitEmpty();
        assertThat(List.of(second, third, newer)).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(other).isNotDone();

        moves.move(a, 11).toFuture();
        assertThat(sent).as("nothing in flight on the partition again: alone")
                .endsWith("d1=11");
    }

    @Test
    void aFailedBatchFailsEveryMoveInItAndTheNextOneStillGoes() {
        moves.move(a, 10).subscribe();
        CompletableFuture<Boolean> waiting = moves.move(b, 20).toFuture();
        running.get(0).tryEmitEmpty();
        running.get(1).tryEmitError(new IllegalStateException("grid down"));

        assertThat(waiting).isCompletedExceptionally();
        moves.move(c, 30).subscribe();
        assertThat(sent).endsWith("d3=30");
    }

    @Test
    void aDeviceABatchFindsWithoutAnEntryMovesAloneAndOnlyItsFailureIsItsOwn() {
        moves.move(a, 10).subscribe();
        CompletableFuture<Boolean> withEntry = moves.move(b, 20).toFuture();
        CompletableFuture<Boolean> withoutEntry = moves.move(c, 30).toFuture();
        missing.add(c);
        running.get(0).tryEmitEmpty();
        running.get(1).tryEmitEmpty(); // the batch: b moved, c has no entry

        assertThat(withEntry).isCompleted();
        assertThat(sent).as("c on its own, creating its entry").endsWith("+d3=30");
        assertThat(withoutEntry).isNotDone();
        running.get(2).tryEmitError(new IllegalStateException("the log did not answer"));
        assertThat(withoutEntry).isCompletedExceptionally();
        assertThat(withEntry).isCompleted();
    }

    @Test
    void aLoneMoveThatFindsNoEntryCreatesItAfterItsPartitionsTurnHasPassedOn() {
        missing.add(a);
        CompletableFuture<Boolean> created = moves.move(a, 10).toFuture();
        running.get(0).tryEmitEmpty(); // a has no entry

        assertThat(sent).containsExactly("d1=10", "+d1=10");
        CompletableFuture<Boolean> next = moves.move(b, 20).toFuture();
        assertThat(sent).as("b goes at once: a's creation doesn't hold the partition").endsWith("d2=20");
        running.get(2).tryEmitEmpty();
        assertThat(next).isCompleted();
        assertThat(created).isNotDone();
        logged.add(a);
        running.get(1).tryEmitEmpty();
        assertThat(created).as("the created entry's move answers").isCompletedWithValue(true);
    }

    @Test
    void everyMoveLearnsWhetherItsDevicesMovePassedAnItemTheLogHolds() {
        logged.add(a);
        logged.add(b);
        CompletableFuture<Boolean> alone = moves.move(a, 10).toFuture();
        CompletableFuture<Boolean> batchedLogged = moves.move(b, 20).toFuture();
        CompletableFuture<Boolean> batchedLoggedAgain = moves.move(b, 25).toFuture();
        CompletableFuture<Boolean> batchedInMemory = moves.move(c, 30).toFuture();
        running.get(0).tryEmitEmpty();
        running.get(1).tryEmitEmpty();

        assertThat(alone).isCompletedWithValue(true);
        assertThat(batchedLogged).isCompletedWithValue(true);
        assertThat(batchedLoggedAgain).isCompletedWithValue(true);
        assertThat(batchedInMemory).isCompletedWithValue(false);
    }
}
