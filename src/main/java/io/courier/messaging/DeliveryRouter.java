package io.courier.messaging;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.Presence;
import io.courier.cluster.PresenceDirectory;
import io.courier.common.MessageTracing;
import io.courier.push.WakeUps;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * After an item is stored: push it to the node holding the device's stream, if any; a device without one is woken
 * through its push token (receipts don't wake a phone: they wait for its next connect). Where the stream is comes
 * with the enqueue (the queue's entry records its opens and closes); only an entry that can't say costs a lookup in
 * the presence directory.
 */
final class DeliveryRouter {
    private static final Logger LOG = Logger.getLogger(DeliveryRouter.class);

    private final PresenceDirectory presence;
    private final NodeBus bus;
    private final WakeUps wakeUps;
    private final MessageTracing tracing;

    DeliveryRouter(PresenceDirectory presence, NodeBus bus, WakeUps wakeUps, MessageTracing tracing) {
        this.presence = presence;
        this.bus = bus;
        this.wakeUps = wakeUps;
        this.tracing = tracing;
    }

    /**
     * Call only once the items are durable: an offline device finds them in its queue on the next connect, and an
     * online one whose push is lost reads them on its stream's next read. So this never fails its caller.
     */
    void route(Messenger.Enqueued entry) {
        if (entry.items().isEmpty()) {
            return; // the device's quota had no room: nothing was stored
        }
        DeviceAddress to = entry.to();
        boolean wakes = entry.items().stream().anyMatch(q -> !(q.item() instanceof InboxItem.Receipt));
        StreamSighting seen = entry.stream();
        Mono<Presence> stream = seen.known() ? Mono.justOrEmpty(seen.at()) : presence.lookup(to);
        Mono<String> routed = stream
                .flatMap(p -> Flux.fromIterable(entry.items())
                        .concatMap(q -> bus.publish(p.memberId(), new BusMessage.Push(to, q))).then()
                        .thenReturn("pushed"))
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    if (wakes) {
                        wakeUps.stored(to, sender(entry));
                    }
                    return "offline";
                }));
        tracing.step(trace(entry), "courier.push", "courier.push.outcome", routed)
                .subscribe(null, e -> LOG.debugf("Push to %s not sent (a read delivers it): %s", to, e.toString()));
    }

    /** Whose message wakes the device (its wake-ups are charged to that account); none for group changes. */
    private static Optional<UUID> sender(Messenger.Enqueued entry) {
        return entry.items().stream().map(Queued::item).filter(InboxItem.Message.class::isInstance)
                .map(item -> ((InboxItem.Message) item).sender()).findFirst();
    }

    /** A message's copies for one device carry one trace (a device gets one copy of a message). */
    private static String trace(Messenger.Enqueued entry) {
        List<Queued> items = entry.items();
        for (int i = 0; i < items.size(); i++) { // no iterator: this runs for every copy, traced or not
            if (items.get(i).item() instanceof InboxItem.Message m && m.trace() != null) {
                return m.trace();
            }
        }
        return null;
    }
}
