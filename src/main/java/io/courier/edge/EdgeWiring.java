package io.courier.edge;

import java.time.Clock;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.courier.account.DeviceRemovalListener;
import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.ServerIds;
import io.courier.messaging.InboxStore;
import io.courier.messaging.Messenger;
import io.quarkus.runtime.Startup;

/** CDI wiring of the edge: stream workers, the session registry, revocation of live streams. */
public class EdgeWiring {
    @Produces
    @Singleton
    StreamWorkers streamWorkers(EdgeConfig config) {
        return new StreamWorkers(config.streamThreads());
    }

    void stopWorkers(@Disposes StreamWorkers workers) {
        workers.close();
    }

    @Produces
    @Singleton
    @Startup
    SessionRegistry sessions(PresenceDirectory presence, NodeBus bus, ServerIds serverIds, Messenger messenger,
            InboxStore inbox, Clock clock, EdgeConfig config, StreamWorkers workers) {
        return new SessionRegistry(presence, bus, serverIds, messenger, inbox, clock, config, workers);
    }

    void closeSessions(@Disposes SessionRegistry sessions) {
        sessions.close();
    }

    /** A revoked device's open stream is closed at once, wherever it is. */
    @Produces
    @Singleton
    DeviceRemovalListener closeRevokedStreams(PresenceDirectory presence, NodeBus bus) {
        return (UUID accountId, Set<Integer> deviceIds) -> {
            deviceIds.forEach(deviceId -> {
                DeviceAddress device = new DeviceAddress(accountId, deviceId);
                presence.lookup(device)
                        .ifPresent(p -> bus.publish(p.memberId(), new BusMessage.Revoked(device, p.epoch())));
            });
            return CompletableFuture.completedFuture(null);
        };
    }

}
