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
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

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
        onFirst.advance(device, ackedCopy.seq(), true).block();
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
