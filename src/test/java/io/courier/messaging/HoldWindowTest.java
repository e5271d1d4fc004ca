package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.impl.AbstractDistributedObject;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.impl.PartitionSpecificRunnable;
import com.hazelcast.spi.impl.operationservice.impl.OperationServiceImpl;

import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.cluster.ServerIds;
import io.courier.common.TokenBucket;
import io.courier.store.Cql;
import io.courier.local.FreePorts;
import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Mono;

/**
 * Hold mode on two real Hazelcast members of a cluster of their own (the node's member is not in it): items live
 * in two members' memory until the hold is over, survive the death of their owner, and what is not acked in time
 * is spilled to the real database and outlives the whole cluster; without a hold, items are written through while
 * ticks and send records are still held in the two members.
 */
@QuarkusTest
class HoldWindowTest extends ServerTest {
    @Inject
    Cql cql;

    @Inject
    ServerIds serverIds;

    private final List<HazelcastInstance> members = new ArrayList<>();
    private final String cluster = "hold-test-" + UUID.randomUUID();
    private final List<String> addresses = new ArrayList<>();

    @AfterEach
    void stopMembers() {
        members.forEach(m -> m.getLifecycleService().terminate());
    }

    private HazelcastInstance member() {
        return member(Optional.empty());
    }

    private HazelcastInstance member(Optional<String> zone) {
        int port = FreePorts.pick();
        addresses.add("127.0.0.1:" + port);
        HazelcastInstance member = SecondMember.start(cluster, port, List.copyOf(addresses),
                List.of(DeviceQueues.mapConfig(Duration.ofMinutes(30)), HeldTicks.mapConfig()), zone);
        members.add(member);
        return member;
    }

    private DeviceQueues queues(HazelcastInstance member, Duration hold) {
        return new DeviceQueues(member, new DeviceLog(cql), new DeviceQueue.Limits(256, 1 << 20, hold.toMillis()),
                hold, Clock.systemUTC());
    }

    /** Waits until the member's queues see every partition backed up, so enqueues hold instead of writing. */
    private static void awaitHolding(DeviceQueues queues) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            queues.refreshCopies();
            return queues.holding();
        });
    }

    /** A device whose queue's partition {@code owner} owns. */
    private static DeviceAddress deviceOwnedBy(HazelcastInstance owner) {
        while (true) {
            DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 1);
            if (owner.getPartitionService().getPartition(device).getOwner().localMember()) {
                return device;
            }
        }
    }

    /** Messages compare by id and text (records compare arrays by identity; the log keeps milliseconds). */
    private static List<String> described(List<InboxItem> items) {
        return items.stream().map(i -> i.serverId() + " " + new String(((InboxItem.Message) i).ciphertext(),
                StandardCharsets.UTF_8)).toList();
    }

    private InboxItem message(String text) {
        return new InboxItem.Message(serverIds.next(), UUID.randomUUID(), 1, 1, Instant.now(),
                EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, text.getBytes(StandardCharsets.UTF_8), null, null);
    }

    /** What the device's log holds in its first epoch (where a fresh device's queue starts). */
    private List<InboxItem> inLog(DeviceAddress device) {
        return new DeviceLog(cql).read(device, Queued.firstOfEpoch(1) - 1, Queued.firstOfEpoch(2) - 1, 100).block()
                .items().stream().map(Queued::item).toList();
    }

    @Test
    void membersThatNameOneZoneHaveNoBackupsSoEveryItemIsWrittenThrough() {
        HazelcastInstance first = member(Optional.of("zone-a"));
        HazelcastInstance second = member(Optional.of("zone-a"));
        await().atMost(Duration.ofSeconds(30)).until(() -> second.getCluster().getMembers().size() == 2
                && first.getPartitionService().isClusterSafe());
        DeviceQueues onFirst = queues(first, Duration.ofMinutes(1));

        onFirst.refreshCopies();
        assertThat(onFirst.holding()).as("a zone-aware cluster in one zone places no backup").isFalse();
        DeviceAddress device = deviceOwnedBy(first);
        InboxItem item = message("written through");
        onFirst.enqueue(device, List.of(item), false).block();
        assertThat(described(inLog(device))).containsExactly(described(List.of(item)).get(0));
    }

    @Test
    void membersInTwoZonesHoldItemsInMemory() {
        HazelcastInstance first = member(Optional.of("zone-a"));
        member(Optional.of("zone-b"));
        DeviceQueues onFirst = queues(first, Duration.ofMinutes(1));

        awaitHolding(onFirst);
        DeviceAddress device = deviceOwnedBy(first);
        onFirst.enqueue(device, List.of(message("held")), false).block();
        assertThat(inLog(device)).as("held in two zones' memory, not written").isEmpty();
    }

    @Test
    void withoutAHoldItemsAreWrittenThroughWhileTicksAndSendRecordsStayInTwoMembersMemory() {
        HazelcastInstance first = member();
        HazelcastInstance second = member();
        DeviceQueues onFirst = queues(first, Duration.ZERO);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            onFirst.refreshCopies();
            return onFirst.replicated();
        });
        assertThat(onFirst.holding()).as("hold=0 writes items through").isFalse();
        DeviceAddress device = deviceOwnedBy(first);
        InboxItem item = message("written through");
        onFirst.enqueue(device, List.of(item), false).block();
        assertThat(described(inLog(device))).containsExactly(described(List.of(item)).get(0));

        ReceiptTable table = new ReceiptTable(cql);
        ReceiptLedger ledger = new ReceiptLedger(new HeldTicks(first, table, Duration.ofMinutes(1), Clock.systemUTC()),
                table, onFirst::replicated);
        UUID sender = UUID.randomUUID();
        long serverId = serverIds.next();
        ledger.recordSent(sender, serverId, device.accountId(), Instant.now()).block();
        assertThat(table.statuses(sender, serverId).block()).as("SENT held, not written").isEmpty();
        assertThat(ledger.statuses(sender, serverId).block()).extracting(ReceiptTable.RecipientState::state)
                .containsExactly(ReceiptState.RECEIPT_STATE_SENT);

        SentMessages sent = new SentMessages(onFirst, new DeviceLog(cql), serverIds, Clock.systemUTC());
        long clientId = 7;
        SendOutcome.Accepted accepted = (SendOutcome.Accepted) sent.once(device, clientId,
                new TokenBucket(10, Duration.ofSeconds(1)),
                send -> Mono.just(new SendOutcome.Accepted(clientId, send.serverId(), send.serverTime()))).block();
        assertThat(new DeviceLog(cql).findSend(device, clientId).blockOptional()).as("send record held").isEmpty();
        onFirst.spill().block(); // its send flush time (0 here) is over: the owner writes it
        assertThat(new DeviceLog(cql).findSend(device, clientId).block().serverId())
                .isEqualTo(accepted.serverId());

        DeviceQueues alone = queues(first, Duration.ZERO);
        ReceiptLedger lone = new ReceiptLedger(new HeldTicks(first, table, Duration.ofMinutes(1), Clock.systemUTC()),
                table, alone::replicated);
        long writtenId = serverIds.next();
        lone.recordSent(sender, writtenId, device.accountId(), Instant.now()).block();
        assertThat(table.statuses(sender, writtenId).block()).as("no second copy known: written through")
                .extracting(ReceiptTable.RecipientState::state).containsExactly(ReceiptState.RECEIPT_STATE_SENT);

        first.getLifecycleService().terminate(); // kill -9: the held SENT lives on in the other member
        ReceiptLedger onSecond = new ReceiptLedger(new HeldTicks(second, table, Duration.ofMinutes(1),
                Clock.systemUTC()), table, () -> true);
        assertThat(onSecond.statuses(sender, serverId).block()).extracting(ReceiptTable.RecipientState::state)
                .containsExactly(ReceiptState.RECEIPT_STATE_SENT);
        assertThat(table.statuses(sender, serverId).block()).as("still only in memory").isEmpty();
    }

    @Test
    void itemsHeldInMemoryOnlyAreDeliveredOnceFromTheBackupWhenTheirOwnerIsKilled() {
        HazelcastInstance owner = member();
        HazelcastInstance survivor = member();
        DeviceQueues viaSurvivor = queues(survivor, Duration.ofMinutes(10));
        awaitHolding(viaSurvivor);
        DeviceAddress device = deviceOwnedBy(owner);
        List<InboxItem> sent = List.of(message("one"), message("two"), message("three"));

        for (InboxItem item : sent) {
            viaSurvivor.enqueue(device, List.of(item), false).block();
        }
        assertThat(inLog(device)).as("held in two members' memory, not written").isEmpty();
        owner.getLifecycleService().terminate(); // kill -9: no graceful migration

        assertThat(described(DeviceQueuesTest.readAll(viaSurvivor, device))).containsExactlyElementsOf(described(sent));
        assertThat(inLog(device)).isEmpty();
    }

    @Test
    void aGroupsCopiesAreReportedEnqueuedOnlyOnceTheBackupHoldsThemAndOutliveTheirOwner() throws Exception {
        HazelcastInstance owner = member();
        HazelcastInstance backup = member();
        DeviceQueues viaOwner = queues(owner, Duration.ofMinutes(10));
        awaitHolding(viaOwner);
        List<DeviceAddress> devices = devicesOnOnePartitionOwnedBy(owner, 4);
        int partition = owner.getPartitionService().getPartition(devices.get(0)).getPartitionId();
        InboxItem earlier = message("earlier");
        for (DeviceAddress device : devices) { // their entries exist: the copies go through the partition's op
            viaOwner.enqueue(device, List.of(earlier), false).block();
        }
        InboxItem copy = message("group copy");
        CountDownLatch gate = new CountDownLatch(1);
        try {
            holdPartitionThread(backup, partition, gate); // the backup member can't apply anything of it yet

            CompletableFuture<List<Messenger.Enqueued>> enqueued = viaOwner.enqueueToEach(devices, copy, false)
                    .collectList().toFuture();
            // Hazelcast's own multi-key operation on the same partition, run there after ours: it completes with
            // its backup still waiting, and by then ours has had its primary's answer too.
            owner.<DeviceAddress, DeviceQueue>getMap(DeviceQueues.MAP).submitToKeys(Set.of(devices.get(0)),
                    new QueueOps.EnqueueEach(message("not waited for"), false, System.currentTimeMillis(),
                            new DeviceQueue.Limits(256, 1 << 20, Duration.ofMinutes(10).toMillis())))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(enqueued).as("not reported while only the owner holds the copies").isNotDone();

            gate.countDown();
            assertThat(enqueued.get(30, TimeUnit.SECONDS)).hasSize(devices.size())
                    .allSatisfy(e -> assertThat(e.items()).hasSize(1));
        } finally {
            gate.countDown();
        }
        owner.getLifecycleService().terminate(); // kill -9 right after: the backup is promoted

        DeviceQueues viaBackup = queues(backup, Duration.ofMinutes(10));
        for (DeviceAddress device : devices) {
            assertThat(described(DeviceQueuesTest.readAll(viaBackup, device)).stream().filter(d -> !d.endsWith(
                    "not waited for")).toList()).as("every copy on the promoted backup")
                    .containsExactlyElementsOf(described(List.of(earlier, copy)));
            assertThat(inLog(device)).as("held in memory, never written").isEmpty();
        }
    }

    /** {@code count} devices whose queues share one partition that {@code owner} owns. */
    private static List<DeviceAddress> devicesOnOnePartitionOwnedBy(HazelcastInstance owner, int count) {
        List<DeviceAddress> devices = new ArrayList<>(List.of(deviceOwnedBy(owner)));
        int partition = owner.getPartitionService().getPartition(devices.get(0)).getPartitionId();
        while (devices.size() < count) {
            DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 1);
            if (owner.getPartitionService().getPartition(device).getPartitionId() == partition) {
                devices.add(device);
            }
        }
        return devices;
    }

    /** Occupies the member's thread of the partition until {@code gate} opens; returns once it is occupied. */
    private static void holdPartitionThread(HazelcastInstance member, int partition, CountDownLatch gate)
            throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        NodeEngine engine = ((AbstractDistributedObject<?>) member.getMap(DeviceQueues.MAP)).getNodeEngine();
        ((OperationServiceImpl) engine.getOperationService()).execute(new PartitionSpecificRunnable() {
            @Override
            public int getPartitionId() {
                return partition;
            }

            @Override
            public void run() {
                held.countDown();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aStreamOnAMemberThatLeftIsForgottenSoItsDeviceIsWokenInstead() {
        HazelcastInstance gone = member();
        HazelcastInstance survivor = member();
        DeviceQueues viaSurvivor = queues(survivor, Duration.ofMinutes(10));
        viaSurvivor.start(Duration.ofMinutes(10), Duration.ofMinutes(30)); // listens for members leaving
        try {
            awaitHolding(viaSurvivor);
            DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 1); // its owner either member
            viaSurvivor.open(device, new Presence(gone.getCluster().getLocalMember().getUuid().toString(), 1), 1, 1)
                    .block();

            gone.getLifecycleService().terminate();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(viaSurvivor.enqueue(device,
                    List.of(message("after")), false).block().stream()).isEqualTo(new StreamSighting(true, null)));
        } finally {
            viaSurvivor.close();
        }
    }

    @Test
    void anItemAckedWithinTheHoldIsNeverWrittenAndOneNotAckedIsSpilledAndOutlivesTheCluster() {
        HazelcastInstance first = member();
        HazelcastInstance second = member();
        Duration hold = Duration.ofMillis(300);
        DeviceQueues onFirst = queues(first, hold);
        DeviceQueues onSecond = queues(second, hold);
        awaitHolding(onFirst);
        awaitHolding(onSecond);
        DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 1);
        InboxItem acked = message("acked in time");
        InboxItem waiting = message("never acked");

        Queued ackedCopy = onFirst.enqueue(device, List.of(acked), false).block().items().get(0);
        onFirst.enqueue(device, List.of(waiting), false).block();
        assertThat(onFirst.advance(device, ackedCopy.seq()).block())
                .as("acked within the hold: the log never held it, so the log's mark needn't move").isFalse();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            onFirst.spill().block();
            onSecond.spill().block();
            assertThat(described(inLog(device))).containsExactlyElementsOf(described(List.of(waiting)));
        });

        members.forEach(m -> m.getLifecycleService().terminate()); // the whole cluster goes
        members.clear();
        addresses.clear();
        DeviceQueues restarted = queues(member(), hold);

        assertThat(described(DeviceQueuesTest.readAll(restarted, device))).containsExactlyElementsOf(described(List.of(waiting)));
    }
}
