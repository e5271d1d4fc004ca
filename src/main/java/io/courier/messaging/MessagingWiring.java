package io.courier.messaging;

import java.time.Clock;
import java.util.Set;
import java.util.UUID;
import reactor.core.publisher.Flux;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;


import io.courier.account.DeviceRemovalListener;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.ServerIds;
import io.courier.keys.KeyDirectory;
import io.courier.presence.PrivacyDirectory;
import io.courier.push.WakeUps;
import io.courier.store.Cql;
import io.courier.store.Migration;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/** CDI wiring of messaging. */
public class MessagingWiring {
    @Produces
    Migration schema() {
        return MessagingSchema.V3;
    }

    /** Created at startup so every messaging meter is scraped (as 0) before the first message. */
    @Produces
    @Singleton
    @Startup
    MessagingMetrics messagingMetrics(MeterRegistry registry) {
        return new MessagingMetrics(registry);
    }

    @Produces
    Migration receiptColumns() {
        return MessagingSchema.V4;
    }

    @Produces
    Migration sendReservations() {
        return MessagingSchema.V5;
    }

    @Produces
    Migration deliveryStorage() {
        return MessagingSchema.V132;
    }

    @Produces
    @Singleton
    DeviceLog deviceLog(Cql cql) {
        return new DeviceLog(cql);
    }

    @Produces
    @Singleton
    DeviceQueues deviceQueues(HazelcastInstance hazelcast, DeviceLog log, MessagingConfig config, Clock clock) {
        return new DeviceQueues(hazelcast.getMap(DeviceQueues.MAP), log, new DeviceQueue.Limits(
                config.queueMemoryItems(), config.queueMemoryBytes(), config.hold().toMillis()), clock);
    }

    @Produces
    MapConfig deviceQueuesMap(MessagingConfig config) {
        // Changed by entry processors on every enqueue and ack: kept as objects, not re-serialized each time. An
        // entry idle this long goes (its items are in the log, its mark was written when the stream ended).
        return new MapConfig(DeviceQueues.MAP).setBackupCount(1).setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                .setMaxIdleSeconds((int) config.queueIdle().toSeconds());
    }

    /** A removed device's queue goes with it; a re-registered primary starts with an empty queue. */
    @Produces
    @Singleton
    DeviceRemovalListener dropQueues(DeviceQueues queues, InboxQuota quota) {
        return (UUID accountId, Set<Integer> deviceIds) -> Flux.fromIterable(deviceIds)
                .flatMap(deviceId -> queues.drop(new DeviceAddress(accountId, deviceId))
                        .then(quota.forget(accountId, deviceId)))
                .then().toFuture();
    }

    @Produces
    MapConfig inboxUsageMap() {
        // Updated on every send and ack batch: kept as objects so the entry processors don't deserialize and
        // reserialize the daily counts each time.
        return new MapConfig(InboxQuota.MAP).setBackupCount(1).setInMemoryFormat(InMemoryFormat.OBJECT);
    }

    @Produces
    Migration groupReceipts() {
        return MessagingSchema.V9;
    }

    @Produces
    Migration coalescedReceipts() {
        return MessagingSchema.V10;
    }

    @Produces
    @Singleton
    InboxQuota inboxQuota(HazelcastInstance hazelcast, MessagingConfig config, Clock clock) {
        return new InboxQuota(hazelcast, new InboxQuota.Limits(config.inboxMaxItems(), config.inboxMaxBytes()), clock);
    }

    @Produces
    @Singleton
    SentMessages sentMessages(Cql cql, DeviceQueues queues, ServerIds serverIds, Clock clock) {
        return new SentMessages(cql, queues, serverIds, clock);
    }

    @Produces
    @Singleton
    Messenger messenger(Cql cql, DeviceQueues queues, DeviceLog log, SentMessages sent, InboxQuota quota,
            PresenceDirectory presence, NodeBus bus, KeyDirectory keys, ServerIds serverIds, MessagingConfig config,
            MessagingMetrics metrics, Clock clock, GroupFanout groups, WakeUps wakeUps, PrivacyDirectory privacy) {
        DeliveryRouter router = new DeliveryRouter(presence, bus, wakeUps);
        ReceiptLedger receipts = new ReceiptLedger(cql);
        return new Messenger(queues, quota, receipts, sent, router, keys, privacy, config, metrics, clock,
                new GroupSends(queues, log, sent, router, keys, groups, config, metrics),
                new SenderReceipts(queues, receipts, router, keys, serverIds, metrics),
                new TypingRelay(keys, groups, presence, bus, privacy));
    }

    /** The queue writes of group fan-out jobs. */
    @Produces
    @Singleton
    GroupWrites groupInbox(Cql cql, DeviceQueues queues, DeviceLog log, PresenceDirectory presence, NodeBus bus,
            KeyDirectory keys, WakeUps wakeUps) {
        return new GroupInbox(queues, log, new ReceiptLedger(cql), new DeliveryRouter(presence, bus, wakeUps), keys);
    }
}
