package io.courier.messaging;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.keys.KeyDirectory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Tells senders that their messages moved on (DELIVERED, READ): a receipt event in the inbox of every device of the
 * sender, then the ledger. Receipts for one sender are written one batch at a time, and whatever arrives while a
 * batch is being written goes out together in the next: a group message brings its sender a receipt from each of up
 * to 1023 members within moments, and they cost a few batched writes instead of two round trips each. A lone
 * receipt waits for nothing. One batch at a time per sender also keeps each sender's events in the order they came.
 */
final class SenderReceipts {
    /** Receipts one write batch carries at most (Cassandra warns about batches over a few kilobytes). */
    static final int MAX_BATCH = 64;

    /** One recipient's messages from one sender that moved to {@code state}. */
    record Receipts(UUID sender, List<Ticked> messages, UUID recipient, ReceiptState state, Instant at) {
    }

    /** A message about to get a receipt event: its id and its group (null for 1:1). */
    record Ticked(long serverId, UUID groupId) {
    }

    private record Waiting(Receipts receipts, Sinks.Empty<Void> written) {
    }

    private final InboxStore inbox;
    private final ReceiptLedger ledger;
    private final DeliveryRouter router;
    private final KeyDirectory keys;
    private final ServerIds serverIds;
    private final MessagingMetrics metrics;
    /**
     * Receipts waiting while a batch for their sender is written; a sender is here exactly while one is. Bounded by
     * the acks and reads in flight, which every device bounds. Guarded by this.
     */
    private final Map<UUID, ArrayDeque<Waiting>> writing = new HashMap<>();

    SenderReceipts(InboxStore inbox, ReceiptLedger ledger, DeliveryRouter router, KeyDirectory keys,
            ServerIds serverIds, MessagingMetrics metrics) {
        this.inbox = inbox;
        this.ledger = ledger;
        this.router = router;
        this.keys = keys;
        this.serverIds = serverIds;
        this.metrics = metrics;
    }

    /** Completes once the sender's devices have the events in their inboxes and the ledger has the new state. */
    Mono<Void> tell(Receipts receipts) {
        return Mono.defer(() -> {
            Waiting waiting = new Waiting(receipts, Sinks.empty());
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
            return waiting.written().asMono();
        });
    }

    private void writeNext(UUID sender) {
        List<Waiting> batch = new ArrayList<>();
        synchronized (this) {
            ArrayDeque<Waiting> queue = writing.get(sender);
            int receipts = 0;
            while (!queue.isEmpty() && (batch.isEmpty()
                    || receipts + queue.peek().receipts().messages().size() <= MAX_BATCH)) {
                Waiting next = queue.poll();
                receipts += next.receipts().messages().size();
                batch.add(next);
            }
            if (batch.isEmpty()) {
                writing.remove(sender);
                return;
            }
        }
        write(sender, batch.stream().map(Waiting::receipts).toList()).subscribe(null, e -> {
            batch.forEach(w -> w.written().tryEmitError(e));
            writeNext(sender);
        }, () -> {
            batch.forEach(w -> w.written().tryEmitEmpty());
            writeNext(sender);
        });
    }

    /** The events first, then the ledger: a failure in between is repaired by the recipient acking again. */
    private Mono<Void> write(UUID sender, List<Receipts> batch) {
        List<Event> coalesced = coalesce(batch);
        return Mono.fromCompletionStage(() -> keys.registrations(sender)).flatMap(devices -> {
            Map<DeviceAddress, List<InboxItem>> events = new LinkedHashMap<>();
            for (int device : devices.keySet()) {
                events.put(new DeviceAddress(sender, device), coalesced.stream().<InboxItem>map(e -> new InboxItem
                        .Receipt(serverIds.next(), e.serverId(), e.recipients(), e.state(), e.at(), e.groupId()))
                        .toList());
            }
            return Flux.fromIterable(events.entrySet()).flatMap(e -> inbox.appendAll(e.getKey(), e.getValue()))
                    .then(Mono.fromRunnable(() -> {
                        batch.forEach(r -> r.messages().forEach(m -> metrics.receiptEmitted(
                                r.state() == ReceiptState.RECEIPT_STATE_READ ? "read" : "delivered")));
                        events.forEach((to, items) -> items.forEach(
                                item -> router.route(new Messenger.Addressed(to, item))));
                    }))
                    .then(ledger.mark(sender, batch.stream().flatMap(r -> r.messages().stream()
                            .map(m -> new ReceiptLedger.Mark(m.serverId(), r.recipient(), r.state(), r.at())))
                            .toList()));
        });
    }

    /** One receipt event: a message reached {@code state} for {@code recipients}. */
    private record Event(long serverId, UUID groupId, ReceiptState state, List<UUID> recipients, Instant at) {
    }

    /**
     * One event per message and state, for every recipient in the batch. All DELIVERED events come before all READ
     * ones, so no recipient's READ lands before its DELIVERED, whatever order recipients came in.
     */
    static List<Event> coalesce(List<Receipts> batch) {
        Map<ReceiptState, Map<Long, Event>> byState = new TreeMap<>();
        for (Receipts r : batch) {
            Map<Long, Event> events = byState.computeIfAbsent(r.state(), s -> new LinkedHashMap<>());
            for (Ticked m : r.messages()) {
                events.merge(m.serverId(), new Event(m.serverId(), m.groupId(), r.state(), List.of(r.recipient()),
                        r.at()), SenderReceipts::join);
            }
        }
        return byState.values().stream().flatMap(events -> events.values().stream()).toList();
    }

    private static Event join(Event a, Event b) {
        List<UUID> recipients = new ArrayList<>(a.recipients());
        recipients.addAll(b.recipients());
        return new Event(a.serverId(), a.groupId(), a.state(), recipients, a.at().isAfter(b.at()) ? a.at() : b.at());
    }
}
