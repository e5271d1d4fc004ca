package io.courier.messaging;

import java.time.Clock;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;


import io.courier.account.AccountDeletionListener;
import io.courier.account.DeviceLinkListener;
import io.courier.account.DeviceRemovalListener;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.GridTypes;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.RateLimiter;
import io.courier.cluster.ServerIds;
import io.courier.common.MessageTracing;
import io.courier.keys.KeyDirectory;
import io.courier.presence.PrivacyDirectory;
import io.courier.push.WakeUps;
import io.courier.store.Cql;
import io.courier.store.BaselineTables;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.Startup;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** CDI wiring of messaging. */
public class MessagingWiring {
    @Produces
    BaselineTables schema() {
        return MessagingSchema.TABLES;
    }

    @Produces
    GridTypes gridTypes() {
        return MessagingWire.types();
    }

    /** Created at startup so every messaging meter is scraped (as 0) before the first message. */
    @Produces
    @Singleton
    @Startup
    MessagingMetrics messagingMetrics(MeterRegistry registry) {
        return new MessagingMetrics(registry);
    }

    /** Message traces (README "Traces"): off, and never touching the SDK, while it is disabled (the default). */
    @Produces
    @Singleton
    MessageTracing messageTracing(@ConfigProperty(name = "quarkus.otel.sdk.disabled") boolean disabled,
            Instance<OpenTelemetry> openTelemetry) {
        return disabled ? MessageTracing.OFF : MessageTracing.of(openTelemetry.get());
    }

    @Produces
    @Singleton
    MailboxTracing mailboxTracing(MessageTracing tracing) {
        return new MailboxTracing(tracing);
    }

    @Produces
    @Singleton
    DeviceLog deviceLog(Cql cql) {
        return new DeviceLog(cql);
    }

    /** Started with the node: every member spills what its queues held past the hold. */
    @Produces
    @Singleton
    @Startup
    DeviceQueues deviceQueues(HazelcastInstance hazelcast, DeviceLog log, MessagingConfig config, Clock clock,
            MeterRegistry meters) {
        DeviceQueues queues = new DeviceQueues(hazelcast, log, new DeviceQueue.Limits(config.queueMemoryItems(),
                config.queueMemoryBytes(), config.hold().toMillis(), InboxUsage.Quota.configured(config.inboxMaxItems(),
                        config.inboxMaxBytes(), config.inboxSenderShare(), DeviceLog.TTL_DAYS)),
                config.tickFlush(), clock);
        queues.start(config.spillInterval(), config.queueIdle());
        FunctionCounter.builder("courier.queue.spilled", queues, DeviceQueues::spilledCount)
                .description("Queue items and send records this member wrote to the log after the hold (hold mode)")
                .register(meters);
        Gauge.builder("courier.queue.entries", queues, DeviceQueues::ownedQueues)
                .description("Device queues whose grid entry this member owns").register(meters);
        Gauge.builder("courier.queue.holding", queues, q -> q.holding() ? 1 : 0)
                .description("1 while enqueues hold items in two members' memory, 0 while they write through (one"
                        + " member, a partition without a filled backup, or hold 0)").register(meters);
        return queues;
    }

    void stopQueues(@Disposes DeviceQueues queues) {
        queues.close();
    }

    /** The tick ledger's table: its statements are prepared once per node. */
    @Produces
    @Singleton
    ReceiptTable receiptTable(Cql cql) {
        return new ReceiptTable(cql);
    }

    @Produces
    @Singleton
    ReceiptLedger receiptLedger(HeldTicks ticks, ReceiptTable table, DeviceQueues queues) {
        return new ReceiptLedger(ticks, table, queues::replicated);
    }

    /** Started with the node: every member flushes the ticks it held past {@code courier.messaging.tick-flush}. */
    @Produces
    @Singleton
    @Startup
    HeldTicks heldTicks(HazelcastInstance hazelcast, ReceiptTable table, MessagingConfig config, Clock clock,
            MeterRegistry meters) {
        HeldTicks ticks = new HeldTicks(hazelcast, table, config.tickFlush(), clock);
        ticks.start(config.spillInterval());
        FunctionCounter.builder("courier.ticks.flushed", ticks, HeldTicks::flushedCount)
                .description("Tick rows this member wrote to the table after holding them (two members)")
                .register(meters);
        Gauge.builder("courier.ticks.senders", ticks, HeldTicks::ownedSenders)
                .description("Sender accounts whose held ticks this member owns").register(meters);
        return ticks;
    }

    void stopTicks(@Disposes HeldTicks ticks) {
        ticks.close();
    }

    @Produces
    MapConfig heldTicksMap() {
        return HeldTicks.mapConfig();
    }

    @Produces
    MapConfig deviceQueuesMap(MessagingConfig config) {
        return DeviceQueues.mapConfig(config.queueIdle());
    }

    /** A removed device's queue goes with it; a re-registered primary starts with an empty queue. */
    @Produces
    @Singleton
    DeviceRemovalListener dropQueues(DeviceQueues queues) {
        return (UUID accountId, Set<Integer> deviceIds) -> eachDevice(accountId, deviceIds, queues::drop);
    }

    /** A deleted account's queues leave nothing behind, not even their state. */
    @Produces
    @Singleton
    AccountDeletionListener eraseQueues(DeviceQueues queues) {
        return (UUID accountId, Set<Integer> deviceIds) -> eachDevice(accountId, deviceIds, queues::erase);
    }

    @Produces
    @Singleton
    SentMessages sentMessages(DeviceQueues queues, DeviceLog log, ServerIds serverIds, Clock clock) {
        return new SentMessages(queues, log, serverIds, clock);
    }

    @Produces
    @Singleton
    Messenger messenger(ReceiptLedger receipts, DeviceQueues queues, DeviceLog log, SentMessages sent,
            PresenceDirectory presence, NodeBus bus, KeyDirectory keys, ServerIds serverIds, MessagingConfig config,
            MessagingMetrics metrics, Clock clock, GroupFanout groups, WakeUps wakeUps, PrivacyDirectory privacy,
            RateLimiter limiter, MessageTracing tracing) {
        DeliveryRouter router = new DeliveryRouter(presence, bus, wakeUps, tracing);
        return new Messenger(queues, receipts, sent, router, keys, privacy, config, metrics, clock,
                new GroupSends(queues, log, sent, router, keys, groups, config, metrics, limiter),
                new SenderReceipts(queues, receipts, router, keys, serverIds, metrics),
                new TypingRelay(keys, groups, presence, bus, privacy), tracing);
    }

    @Produces
    @Singleton
    MessageStatuses messageStatuses(ReceiptLedger receipts, RateLimiter limiter, MessagingConfig config) {
        return new MessageStatuses(receipts, limiter, config);
    }

    /** The queue writes of group fan-out jobs. */
    @Produces
    @Singleton
    GroupWrites groupInbox(ReceiptTable receipts, DeviceQueues queues, DeviceLog log, PresenceDirectory presence, NodeBus bus,
            KeyDirectory keys, WakeUps wakeUps, PrivacyDirectory privacy) {
        return new GroupInbox(queues, log, receipts, new DeliveryRouter(presence, bus, wakeUps, MessageTracing.OFF),
                keys, privacy);
    }

    /** A newly linked device is announced in the queues of the account's other devices. */
    @Produces
    @Singleton
    DeviceLinkListener announceLinkedDevices(DeviceQueues queues, PresenceDirectory presence, NodeBus bus,
            WakeUps wakeUps, ServerIds serverIds) {
        return new AccountNotices(queues, new DeliveryRouter(presence, bus, wakeUps, MessageTracing.OFF), serverIds);
    }

    private static CompletionStage<Void> eachDevice(UUID accountId, Set<Integer> deviceIds,
            Function<DeviceAddress, Mono<Void>> action) {
        return Flux.fromIterable(deviceIds).flatMap(deviceId -> action.apply(new DeviceAddress(accountId, deviceId)))
                .then().toFuture();
    }
}
