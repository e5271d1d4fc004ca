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
 * within moments, and their marks cost about one operation per partition instead of one per member; a lone move
 * waits for nothing.
 */
final class MarkMoves {
    /** Sends moves: a lone one, or a partition's batch (device → its newest mark); completes when all are done. */
    interface Mover {
        Mono<Void> alone(DeviceAddress device, long mark);

        Mono<Void> together(int partition, Map<DeviceAddress, Long> marks);
    }

    private record Waiting(Map<DeviceAddress, Long> marks, List<Sinks.Empty<Void>> moved) {
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

    /** Completes once the device's entry has a mark at least this high. */
    Mono<Void> move(DeviceAddress device, long mark) {
        return Mono.defer(() -> {
            int partition = partitionOf.apply(device);
            Sinks.Empty<Void> moved;
            synchronized (this) {
                if (inFlight.add(partition)) {
                    moved = null;
                } else {
                    Waiting next = waiting.computeIfAbsent(partition,
                            p -> new Waiting(new HashMap<>(), new ArrayList<>()));
                    next.marks().merge(device, mark, Math::max);
                    next.moved().add(moved = Sinks.empty());
                }
            }
            if (moved != null) {
                return moved.asMono();
            }
            return mover.alone(device, mark).doFinally(signal -> next(partition));
        });
    }

    /** The partition's move is done: what waited for it goes now, together. */
    private void next(int partition) {
        Waiting next;
        synchronized (this) {
            next = waiting.remove(partition);
            if (next == null) {
                inFlight.remove(partition);
                return;
            }
        }
        mover.together(partition, next.marks()).doFinally(signal -> next(partition)).subscribe(
                done -> { }, error -> next.moved().forEach(m -> m.tryEmitError(error)),
                () -> next.moved().forEach(Sinks.Empty::tryEmitEmpty));
    }
}
