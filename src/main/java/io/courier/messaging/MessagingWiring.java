package io.courier.messaging;

import java.time.Clock;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.account.DeviceRemovalListener;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.RateLimiter;
import io.courier.cluster.ServerIds;
import io.courier.keys.KeyDirectory;
import io.courier.store.Migration;

/** CDI wiring of messaging. */
public class MessagingWiring {
    @Produces
    Migration schema() {
        return MessagingSchema.V3;
    }

    @Produces
    @Singleton
    InboxStore inbox(CqlSession session) {
        return new InboxStore(session);
    }

    /** A removed device's queue goes with it; a re-registered primary starts with an empty inbox. */
    @Produces
    @Singleton
    DeviceRemovalListener dropInboxes(InboxStore inbox) {
        return (UUID accountId, Set<Integer> deviceIds) -> {
            deviceIds.forEach(deviceId -> inbox.deleteAll(new DeviceAddress(accountId, deviceId)));
            return CompletableFuture.completedFuture(null);
        };
    }

    @Produces
    @Singleton
    Messenger messenger(CqlSession session, InboxStore inbox, PresenceDirectory presence, NodeBus bus,
            KeyDirectory keys, ServerIds serverIds, RateLimiter limiter, MessagingConfig config, Clock clock) {
        return new Messenger(inbox, new ReceiptLedger(session), new SentMessages(session),
                new DeliveryRouter(presence, bus), keys, serverIds, limiter, config, clock);
    }
}
