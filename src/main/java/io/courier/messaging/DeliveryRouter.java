package io.courier.messaging;

import org.jboss.logging.Logger;

import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;

/** After an item is stored: find the node holding the device's stream, if any, and push it there. */
final class DeliveryRouter {
    private static final Logger LOG = Logger.getLogger(DeliveryRouter.class);

    private final PresenceDirectory presence;
    private final NodeBus bus;

    DeliveryRouter(PresenceDirectory presence, NodeBus bus) {
        this.presence = presence;
        this.bus = bus;
    }

    /**
     * Call only once the item is durable: an offline device finds it in its inbox on the next connect, and an online
     * one whose push is lost finds it on its stream's next rescan. So this never fails its caller.
     */
    void route(Messenger.Addressed entry) {
        DeviceAddress to = entry.to();
        presence.lookup(to)
                .flatMap(p -> bus.publish(p.memberId(), new BusMessage.Push(to, entry.item())))
                .subscribe(null, e -> LOG.debugf("Push to %s not sent (a rescan delivers it): %s", to, e.toString()));
    }
}
