package io.courier.messaging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.courier.cluster.DeviceAddress;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Moves of acked-through marks from this node, one grid operation per partition at a time: a move whose partition
 * has none in flight goes at once (alone, as before); those that come while one is in flight wait for it and then go
 * together, every device of the partition in one operation with one backup. A group message's thousand members ack
 * within moments, and their marks cost at most about two operations per partition instead of one per member; a
 * move on a partition with none in flight waits for nothing.
 */
final class MarkMoves {
    /**
     * Sends moves: a lone one, or a partition's batch (device → its newest mark); neither creates a missing entry,
     * which takes a read of the log and a compare-and-set, so {@link #creating} does that outside the partition's
     * turn. Each answers whether the move passed an item the log holds ({@link DeviceQueue#advance}).
     */
    interface Mover {
        Mono<Moved> alone(DeviceAddress device, long mark);

        Mono<Moved> together(int partition, Map<DeviceAddress, Long> marks);

        /** Creates the device's missing entry, then moves its mark there. */
        Mono<Boolean> creating(DeviceAddress device, long mark);
    }

    /** A move's outcome: the devices that have no entry (not moved), and those whose move passed a logged item. */
    record Moved(Set<DeviceAddress> missing, Set<DeviceAddress> passedLogged) {
    }

    /** Moves waiting for their partition's move in flight: each device's newest mark, and who waits for it. */
    private record Waiting(Map<DeviceAddress, Long> marks, Map<DeviceAddress, List<Sinks.One<Boolean>>> moved) {
        void settle(DeviceAddress device, boolean passedLogged, Throwable failure) {
            moved.get(device).forEach(m -> {
                if (failure == null) {
                    m.tryEmitValue(passedLogged);
                } else {
                    m.tryEmitError(failure);
                }
            });
        }
    }

    private final Mover mover;
    private final Function<DeviceAddress, Integer> partitionOf;
    /** Partitions with a move in flight from this node, and what waits for each. Guarded by this. */
    private final Set<Integer> inFlight = new HashSet<>();
    private final Map<Integer, Waiting> waiting = new HashMap<>();

    MarkMoves(Mover mover, Function<DeviceAddress, Integer> partitionOf) {
        this.mover = mover;
        this.partitionOf = partitionOf;
    }

    /**
     * Completes once the device's entry has a mark at least this high, with whether the move passed an item the
     * log holds.
     */
    Mono<Boolean> move(DeviceAddress device, long mark) {
        return Mono.defer(() -> {
            int partition = partitionOf.apply(device);
            Sinks.One<Boolean> moved;
            synchronized (this) {
                if (inFlight.add(partition)) {
                    moved = null;
                } else {
                    Waiting next = waiting.computeIfAbsent(partition,
                            p -> new Waiting(new HashMap<>(), new HashMap<>()));
                    next.marks().merge(device, mark, Math::max);
                    next.moved().computeIfAbsent(device, d -> new ArrayList<>()).add(moved = Sinks.one());
                }
            }
            if (moved != null) {
                return moved.asMono();
            }
            // The turn passes on with the lone move's answer; a missing entry's creation has only just started.
            return Mono.defer(() -> mover.alone(device, mark)).doFinally(signal -> next(partition))
                    .flatMap(outcome -> outcome.missing().contains(device) ? mover.creating(device, mark)
                            : Mono.just(outcome.passedLogged().contains(device)));
        });
    }

    /**
     * The partition's move is done: what waited for it goes now, together. A device without an entry then moves
     * creating it, outside the partition's turn, and its failure is its own.
     */
    private void next(int partition) {
        Waiting next;
        synchronized (this) {
            next = waiting.remove(partition);
            if (next == null) {
                inFlight.remove(partition);
                return;
            }
        }
        Mono.defer(() -> mover.together(partition, next.marks())).doFinally(signal -> next(partition)).subscribe(
                moved -> next.marks().forEach((device, mark) -> {
                    if (!moved.missing().contains(device)) {
                        next.settle(device, moved.passedLogged().contains(device), null);
                    } else {
                        Mono.defer(() -> mover.creating(device, mark)).subscribe(
                                logged -> next.settle(device, logged, null),
                                error -> next.settle(device, false, error),
                                () -> next.settle(device, true, null)); // no answer: as if it passed one
                    }
                }),
                error -> next.marks().keySet().forEach(device -> next.settle(device, false, error)));
    }
}
