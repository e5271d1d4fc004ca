package io.courier.messaging;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.keys.KeyDirectory;
import io.courier.messaging.ReceiptTable.Progress;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Moves messages forward (DELIVERED, READ) in the ledger and tells their sender: a receipt event in the queue of
 * every device of the sender, then the ledger. Receipts for one sender are handled one batch at a time, and whatever
 * arrives while a batch is in flight goes out together in the next: a group message brings its sender a receipt from
 * each of up to 1023 members within moments, and per message a batch costs one ledger read, one events write per
 * sender device and one ledger write, instead of a read, an event and a write per member. A lone receipt waits for
 * nothing. One batch at a time per sender also keeps each sender's events in the order they came.
 */
final class SenderReceipts {
    /** Receipts one batch carries at most (Cassandra warns about write batches over a few kilobytes). */
    static final int MAX_BATCH = 64;

    /**
     * Messages of one sender that one recipient got ({@code entryRequired} false: the acked queue item proves they
     * were sent to the recipient, even if the ledger's SENT has not landed yet) or read (true: nothing else proves
     * it). {@code groups}: the group of each id known to be a group message (from the acked item).
     */
    record Receipts(UUID sender, List<Long> serverIds, UUID recipient, ReceiptState state, Instant at,
            boolean entryRequired, Map<Long, UUID> groups) {
        Receipts {
            groups = Map.copyOf(groups);
        }
    }

    private record Waiting(Receipts receipts, Sinks.One<List<Long>> unknown) {
    }

    /** A message that moved for one recipient. */
    private record Move(long serverId, UUID groupId, UUID recipient, ReceiptState state, Instant at) {
    }

    /** One receipt event: a message reached {@code state} for {@code recipients}. */
    private record Event(long serverId, UUID groupId, ReceiptState state, List<UUID> recipients, Instant at) {
    }

    private final DeviceQueues queues;
    private final ReceiptLedger ledger;
    private final DeliveryRouter router;
    private final KeyDirectory keys;
    private final ServerIds serverIds;
    private final MessagingMetrics metrics;
    /**
     * Receipts waiting while a batch for their sender is in flight; a sender is here exactly while one is. Bounded by
     * the acks and reads in flight, which every device bounds. Guarded by this.
     */
    private final Map<UUID, ArrayDeque<Waiting>> writing = new HashMap<>();

    SenderReceipts(DeviceQueues queues, ReceiptLedger ledger, DeliveryRouter router, KeyDirectory keys,
            ServerIds serverIds, MessagingMetrics metrics) {
        this.queues = queues;
        this.ledger = ledger;
        this.router = router;
        this.keys = keys;
        this.serverIds = serverIds;
        this.metrics = metrics;
    }

    /**
     * Completes once the sender's devices have the events in their queues and the ledger has the new state, with
     * the ids that have no ledger entry for the recipient where one is required (never sent to them, or expired).
     */
    Mono<List<Long>> tell(Receipts receipts) {
        return Mono.defer(() -> {
            Waiting waiting = new Waiting(receipts, Sinks.one());
            boolean idle;
            synchronized (this) {
                ArrayDeque<Waiting> queue = writing.get(receipts.sender());
                idle = queue == null;
                if (idle) {
                    writing.put(receipts.sender(), queue = new ArrayDeque<>());
                }
                queue.add(waiting);
            }
            if (idle) {
                writeNext(receipts.sender());
            }
            return waiting.unknown().asMono();
        });
    }

    private void writeNext(UUID sender) {
        List<Waiting> batch = new ArrayList<>();
        synchronized (this) {
            ArrayDeque<Waiting> queue = writing.get(sender);
            int receipts = 0;
            while (!queue.isEmpty() && (batch.isEmpty()
                    || receipts + queue.peek().receipts().serverIds().size() <= MAX_BATCH)) {
                Waiting next = queue.poll();
                receipts += next.receipts().serverIds().size();
                batch.add(next);
            }
            if (batch.isEmpty()) {
                writing.remove(sender);
                return;
            }
        }
        handle(sender, batch).subscribe(null, e -> {
            batch.forEach(w -> w.unknown().tryEmitError(e));
            writeNext(sender);
        }, () -> writeNext(sender));
    }

    private Mono<Void> handle(UUID sender, List<Waiting> batch) {
        Map<Long, Set<UUID>> asked = new LinkedHashMap<>();
        Set<Long> groupMessages = new HashSet<>();
        batch.forEach(w -> {
            w.receipts().serverIds().forEach(
                    id -> asked.computeIfAbsent(id, x -> new LinkedHashSet<>()).add(w.receipts().recipient()));
            groupMessages.addAll(w.receipts().groups().keySet());
        });
        return ledger.progress(sender, asked, groupMessages)
                .flatMap(progress -> {
                    List<Move> moves = new ArrayList<>();
                    Map<Waiting, List<Long>> unknown = new HashMap<>();
                    Set<Move> seen = new HashSet<>(); // with groupId and at left out: one move per recipient
                    for (Waiting w : batch) {
                        Receipts r = w.receipts();
                        List<Long> missing = new ArrayList<>();
                        for (long id : r.serverIds()) {
                            Progress p = progress.get(id).get(r.recipient());
                            if (p == null && r.entryRequired()) {
                                missing.add(id);
                            } else if ((p == null || p.state().getNumber() < r.state().getNumber())
                                    && seen.add(new Move(id, null, r.recipient(), r.state(), null))) {
                                moves.add(new Move(id, p != null && p.groupId() != null ? p.groupId()
                                        : r.groups().get(id), r.recipient(), r.state(), r.at()));
                            }
                        }
                        unknown.put(w, missing);
                    }
                    return (moves.isEmpty() ? Mono.<Void>empty() : write(sender, moves))
                            .then(Mono.fromRunnable(() -> batch.forEach(w -> w.unknown().tryEmitValue(unknown.get(w)))));
                });
    }

    /** The events first, then the ledger: a failure in between is repaired by the recipient acking again. */
    private Mono<Void> write(UUID sender, List<Move> moves) {
        List<Event> coalesced = coalesce(moves);
        return Mono.fromCompletionStage(() -> keys.registrations(sender)).flatMap(devices -> {
            Map<DeviceAddress, List<InboxItem>> events = new LinkedHashMap<>();
            for (int device : devices.keySet()) {
                events.put(new DeviceAddress(sender, device), coalesced.stream().<InboxItem>map(e -> new InboxItem
                        .Receipt(serverIds.next(), e.serverId(), e.recipients(), e.state(), e.at(),
                                e.groupId())).toList());
            }
            return Flux.fromIterable(events.entrySet())
                    .flatMap(e -> queues.enqueue(e.getKey(), e.getValue(), false))
                    .collectList()
                    .doOnNext(enqueued -> {
                        moves.forEach(m -> metrics.receiptEmitted(
                                m.state() == ReceiptState.RECEIPT_STATE_READ ? "read" : "delivered"));
                        enqueued.forEach(router::route);
                    })
                    .then(ledger.mark(sender, moves.stream()
                            .map(m -> new ReceiptTable.Mark(m.serverId(), m.recipient(), m.state(), m.at(),
                                    m.groupId() != null))
                            .toList()));
        });
    }

    /**
     * One event per message and state, for every recipient that moved. All DELIVERED events come before all READ
     * ones, so no recipient's READ lands before its DELIVERED, whatever order recipients came in.
     */
    private static List<Event> coalesce(List<Move> moves) {
        Map<ReceiptState, Map<Long, List<Move>>> byState = new TreeMap<>();
        moves.forEach(m -> byState.computeIfAbsent(m.state(), s -> new LinkedHashMap<>())
                .computeIfAbsent(m.serverId(), id -> new ArrayList<>()).add(m));
        return byState.values().stream().flatMap(messages -> messages.values().stream()).map(same -> {
            Move first = same.get(0);
            return new Event(first.serverId(), first.groupId(), first.state(), same.stream().map(Move::recipient)
                    .toList(), same.stream().map(Move::at).max(Comparator.naturalOrder()).orElseThrow());
        }).toList();
    }
}
