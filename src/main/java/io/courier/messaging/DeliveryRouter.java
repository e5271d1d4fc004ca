package io.courier.messaging;

import org.jboss.logging.Logger;

import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.push.WakeUps;
import reactor.core.publisher.Mono;

/**
 * After an item is stored: find the node holding the device's stream, if any, and push it there; a device without
 * one is woken through its push token (receipts don't wake a phone: they wait for its next connect).
 */
final class DeliveryRouter {
    private static final Logger LOG = Logger.getLogger(DeliveryRouter.class);

    private final PresenceDirectory presence;
    private final NodeBus bus;
    private final WakeUps wakeUps;

    DeliveryRouter(PresenceDirectory presence, NodeBus bus, WakeUps wakeUps) {
        this.presence = presence;
        this.bus = bus;
        this.wakeUps = wakeUps;
    }

    /**
     * Call only once the item is durable: an offline device finds it in its inbox on the next connect, and an online
     * one whose push is lost finds it on its stream's next rescan. So this never fails its caller.
     */
    void route(Messenger.Addressed entry) {
        DeviceAddress to = entry.to();
        presence.lookup(to)
                .switchIfEmpty(Mono.fromRunnable(() -> {
                    if (!(entry.item() instanceof InboxItem.Receipt)) {
                        wakeUps.stored(to);
                    }
                }))
                .flatMap(p -> bus.publish(p.memberId(), new BusMessage.Push(to, entry.item())))
                .subscribe(null, e -> LOG.debugf("Push to %s not sent (a rescan delivers it): %s", to, e.toString()));
    }
}
