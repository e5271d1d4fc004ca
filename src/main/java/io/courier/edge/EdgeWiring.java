package io.courier.edge;

import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import reactor.core.publisher.Flux;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.core.HazelcastInstance;

import io.courier.account.CurrentDevices;
import io.courier.account.DeviceRemovalListener;
import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.NodeDirectory;
import io.courier.cluster.PresenceDirectory;
import io.courier.messaging.MailboxStorage;
import io.courier.messaging.MailboxTracing;
import io.courier.messaging.MessagingConfig;
import io.courier.messaging.MessagingMetrics;
import io.courier.messaging.Messenger;
import io.courier.presence.PresenceStreams;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** CDI wiring of the edge: stream workers, the session registry, revocation of live streams. */
public class EdgeWiring {
    /** Created at startup so every stream meter is scraped (as 0) before the first stream. */
    @Produces
    @Singleton
    @Startup
    StreamMetrics streamMetrics(MeterRegistry registry, NodeDirectory nodes, OpeningStreams opening) {
        StreamMetrics metrics = new StreamMetrics(registry);
        nodes.reportOpenStreams(metrics::openStreams);
        metrics.reportOpens(opening::opening, opening::waiting);
        return metrics;
    }

    /**
     * The Connect streams opening and waiting to; a slot is handed over, and bounded in time, on the stream workers.
     */
    @Produces
    @Singleton
    OpeningStreams openingStreams(EdgeConfig config, StreamScheduler workers) {
        Scheduler scheduler = workers.scheduler();
        return new OpeningStreams(config.maxOpeningStreams(), config.maxWaitingOpens(), OpeningStreams.MAX_HOLD,
                task -> scheduler.schedule(task), scheduler);
    }

    /** Parsed at startup: a bad CIDR fails the start, not the first call. */
    @Produces
    @Singleton
    ClientAddress clientAddress(EdgeConfig config) {
        return new ClientAddress(config.trustedProxies().orElse(List.of()).stream().map(ClientAddress.Cidr::parse)
                .toList());
    }

    /** Non-blocking work of every stream: as many threads as cores. */
    @Produces
    @Singleton
    StreamScheduler streamScheduler() {
        return new StreamScheduler(Schedulers.newParallel("courier-stream"));
    }

    void stopScheduler(@Disposes StreamScheduler scheduler) {
        scheduler.scheduler().dispose();
    }

    /**
     * Where a stream open's first checks run: one thread of its own, apart from the transport's event loop and the
     * stream workers, so a storm's thousands of opens queue there and never ahead of the open streams' frames.
     */
    @Produces
    @Singleton
    OpenChecks openChecks() {
        return new OpenChecks(Schedulers.newSingle("courier-stream-open"));
    }

    void stopOpenChecks(@Disposes OpenChecks checks) {
        checks.scheduler().dispose();
    }

    @Produces
    @Singleton
    @Startup
    SessionRegistry sessions(PresenceDirectory presence, NodeBus bus, Messenger messenger,
            MailboxStorage inbox, Clock clock, EdgeConfig config, MessagingConfig messaging, StreamScheduler workers,
            StreamMetrics metrics, MessagingMetrics delivery, CurrentDevices currentDevices,
            PresenceStreams presenceStreams, MailboxTracing tracing) {
        Scheduler scheduler = workers.scheduler();
        DeviceStreams streams = new DeviceStreams(messenger, inbox, config, messaging, metrics, delivery, clock,
                currentDevices, presenceStreams, presence.localMemberId(), tracing, task -> scheduler.schedule(task));
        return new SessionRegistry(presence, bus, config, metrics, presenceStreams, streams);
    }

    void closeSessions(@Disposes SessionRegistry sessions) {
        sessions.close();
    }

    @Produces
    @Singleton
    NodeDrain drain(SessionRegistry sessions, HazelcastInstance hazelcast, EdgeConfig config,
            Instance<GrpcHealthStorage> health) {
        Runnable stopServing = () -> health.stream().forEach(
                storage -> storage.setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME, ServingStatus.NOT_SERVING));
        return new NodeDrain(sessions, stopServing, hazelcast::shutdown, config.drainTimeout());
    }

    /** First of all shutdown work: the streams, the database session and the cluster member are all still up. */
    void drainOnShutdown(@Observes @Priority(1) ShutdownEvent event, NodeDrain drain) {
        drain.run();
    }

    /** A revoked device's open stream is closed at once, wherever it is. */
    @Produces
    @Singleton
    DeviceRemovalListener closeRevokedStreams(PresenceDirectory presence, NodeBus bus) {
        return (UUID accountId, Set<Integer> deviceIds) -> Flux.fromIterable(deviceIds)
                .map(deviceId -> new DeviceAddress(accountId, deviceId))
                .flatMap(device -> presence.lookup(device)
                        .flatMap(p -> bus.publish(p.memberId(), new BusMessage.Revoked(device, p.epoch()))))
                .then().toFuture();
    }

    /** A type of its own so CDI never confuses the streams' scheduler with another. */
    record StreamScheduler(Scheduler scheduler) {
    }

    /** The same for the stream opens' checks. */
    record OpenChecks(Scheduler scheduler) {
    }
}
