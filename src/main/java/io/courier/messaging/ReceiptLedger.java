package io.courier.messaging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import io.courier.messaging.ReceiptTable.Mark;
import io.courier.messaging.ReceiptTable.Progress;
import io.courier.messaging.ReceiptTable.RecipientState;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Tick state per (message, recipient account): recent 1:1 messages held in the grid ({@link HeldTicks}) while it keeps
 * two copies of every entry (whether or not device queues hold items there too), everything else in the database
 * ({@link ReceiptTable}). Readers ask the grid first
 * and the table for what it doesn't hold; writers change what the grid holds and write the rest.
 */
final class ReceiptLedger {
    private final HeldTicks held;
    private final ReceiptTable table;
    /** Whether the grid keeps two copies of every entry now (else it is no place for new state). */
    private final BooleanSupplier holding;

    ReceiptLedger(HeldTicks held, ReceiptTable table, BooleanSupplier holding) {
        this.held = held;
        this.table = table;
        this.holding = holding;
    }

    Mono<Void> recordSent(UUID sender, long serverId, UUID recipient, Instant at) {
        if (!holding.getAsBoolean()) {
            return table.recordSent(sender, serverId, recipient, at);
        }
        return held.record(sender, serverId, recipient, at.toEpochMilli())
                .flatMap(kept -> kept ? Mono.<Void>empty() : table.recordSent(sender, serverId, recipient, at));
    }

    Mono<Void> recordGroupSent(UUID sender, long serverId, UUID groupId, List<UUID> recipients, Instant at) {
        return table.recordGroupSent(sender, serverId, groupId, recipients, at);
    }

    /**
     * How far each message got for the recipients asked about; recipients it was never sent to (or whose 30 days
     * are over) are absent. {@code groups}: ids known to be group messages (never held).
     */
    Mono<Map<Long, Map<UUID, Progress>>> progress(UUID sender, Map<Long, Set<UUID>> asked, Set<Long> groups) {
        Set<Long> direct = new HashSet<>(asked.keySet());
        direct.removeAll(groups);
        return held.lookup(sender, direct).flatMap(found -> {
            Map<Long, Map<UUID, Progress>> progress = new HashMap<>();
            found.forEach((id, row) -> {
                Map<UUID, Progress> one = new HashMap<>();
                if (asked.get(id).contains(row.recipient())) {
                    one.put(row.recipient(), new Progress(row.state().state(), null));
                }
                progress.put(id, one);
            });
            return Flux.fromIterable(asked.entrySet())
                    .filter(e -> !found.containsKey(e.getKey()))
                    .flatMap(e -> table.progress(sender, e.getKey(), e.getValue(), groups.contains(e.getKey()))
                            .map(p -> Map.entry(e.getKey(), p)))
                    .doOnNext(e -> progress.put(e.getKey(), e.getValue()))
                    .then(Mono.just(progress));
        });
    }

    /** Moves messages of one sender forward: those the grid holds there, the rest in one table round trip. */
    Mono<Void> mark(UUID sender, List<Mark> marks) {
        List<Mark> direct = marks.stream().filter(m -> !m.group()).toList();
        return held.advance(sender, direct).flatMap(notHeld -> {
            List<Mark> rest = new ArrayList<>(notHeld);
            marks.stream().filter(Mark::group).forEach(rest::add);
            return rest.isEmpty() ? Mono.<Void>empty() : table.mark(sender, rest);
        });
    }

    Mono<List<RecipientState>> statuses(UUID sender, long serverId) {
        return held.lookup(sender, Set.of(serverId)).flatMap(found -> found.containsKey(serverId)
                ? Mono.just(List.of(found.get(serverId).state()))
                : table.statuses(sender, serverId));
    }
}
