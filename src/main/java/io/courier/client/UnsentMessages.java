package io.courier.client;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.courier.api.v1.DataMessage;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The app's sends the server has not acknowledged yet, kept in the {@link ClientStore} (beside the Signal state, as
 * sensitive) from before their first attempt until their outcome reaches the app: the SendAck, a refusal, or the app
 * cancelling. A client closed or killed meanwhile keeps them, and its next run sends them again under the same
 * client ids: the server stores one message per (device, client id) and answers a retry with the first attempt's
 * server id, so each is delivered once. At most {@code limit} at once; beyond that a send fails with
 * {@link OutboxFullException}.
 */
final class UnsentMessages {
    static final int LIMIT = 1024;
    static final String PREFIX = "outbox/";

    /** A send from an earlier run and the sink of its outcome. */
    private record Restored(UnsentMessage message, Sinks.One<SentMessage> outcome) {
    }

    private final ClientStore store;
    private final int limit;
    private final Function<UnsentMessage, Mono<SentMessage>> delivery;
    /** Client ids of the kept sends. Guarded by this. */
    private final Set<Long> kept = new HashSet<>();
    private final List<Restored> restored;
    private final AtomicBoolean restoredStarted = new AtomicBoolean();
    /** Set before the client's parts close: a send failing because of that stays kept for the next run. */
    private volatile boolean closed;

    /** {@code delivery} sends a message under its client id and completes with its SendAck (or refusal). */
    UnsentMessages(ClientStore store, int limit, Function<UnsentMessage, Mono<SentMessage>> delivery) {
        this.store = store;
        this.limit = limit;
        this.delivery = delivery;
        this.restored = store.entries(PREFIX).entrySet().stream()
                .map(UnsentMessages::parse)
                .sorted(Comparator.comparingLong(m -> m.message().getSentAtMs()))
                .map(m -> new Restored(m, Sinks.one()))
                .toList();
        restored.forEach(r -> kept.add(r.message().clientMessageId()));
    }

    /** Kept first, then sent under a new client id; completes with the server's acknowledgement. */
    Mono<SentMessage> send(UUID destination, boolean toGroup, DataMessage message) {
        return Mono.defer(() -> {
            UnsentMessage unsent = new UnsentMessage(Outbox.newClientMessageId(), destination, toGroup, message);
            keep(unsent);
            return tracked(unsent);
        });
    }

    /** The sends an earlier run left unacknowledged, oldest first. */
    List<RestoredSend> restored() {
        return restored.stream().map(r -> new RestoredSend(r.message().clientMessageId(), r.message().destination(),
                r.message().toGroup(), r.message().message().toByteArray(), r.outcome().asMono())).toList();
    }

    /** Sends the restored messages again, once per run. */
    void sendRestored() {
        if (restoredStarted.compareAndSet(false, true)) {
            for (Restored r : restored) {
                tracked(r.message()).subscribe(r.outcome()::tryEmitValue, r.outcome()::tryEmitError);
            }
        }
    }

    void close() {
        closed = true;
    }

    private synchronized void keep(UnsentMessage unsent) {
        if (kept.size() >= limit) {
            throw new OutboxFullException(limit);
        }
        kept.add(unsent.clientMessageId());
        store.put(PREFIX + unsent.clientMessageId(), unsent.serialize());
    }

    /** Forgotten before the outcome reaches the app, so a client closed right after it still sends it only once. */
    private Mono<SentMessage> tracked(UnsentMessage unsent) {
        long clientMessageId = unsent.clientMessageId();
        // Only an outcome forgets it: a call cut short by close() completes empty, and the next run must send it.
        return delivery.apply(unsent)
                .doOnNext(sent -> forget(clientMessageId))
                .doOnError(e -> {
                    if (!closed) {
                        forget(clientMessageId);
                    }
                })
                .doOnCancel(() -> forget(clientMessageId));
    }

    private synchronized void forget(long clientMessageId) {
        if (kept.remove(clientMessageId)) {
            store.remove(PREFIX + clientMessageId);
        }
    }

    private static UnsentMessage parse(Map.Entry<String, byte[]> entry) {
        return UnsentMessage.parse(Long.parseLong(entry.getKey().substring(PREFIX.length())), entry.getValue());
    }
}
