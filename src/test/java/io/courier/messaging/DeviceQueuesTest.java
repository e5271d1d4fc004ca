package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.PartitionService;

import io.courier.api.v1.AccountEvent;
import io.courier.api.v1.DeviceLinked;
import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.cluster.ServerIds;
import io.courier.common.TokenBucket;
import io.courier.store.Cql;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Device queues on the real grid and database: sequences, the log behind memory, shared payloads, idempotency. */
@QuarkusTest
class DeviceQueuesTest extends ServerTest {
    private static final Presence STREAM = new Presence("member", 1);
    /** Memory keeps nothing once stored: every read past the head goes to the log. */
    private static final DeviceQueue.Limits LOG_ONLY = new DeviceQueue.Limits(256, 1 << 20, 0);

    @Inject
    DeviceQueues queues;

    @Inject
    HazelcastInstance hazelcast;

    @Inject
    Cql cql;

    @Inject
    ServerIds serverIds;

    private static InboxItem.Message message(long serverId, UUID sender, String text) {
        return new InboxItem.Message(serverId, sender, 1, serverId, Instant.now(),
                EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, text.getBytes(StandardCharsets.UTF_8), null, null);
    }

    private static DeviceAddress newDevice() {
        return new DeviceAddress(UUID.randomUUID(), 1);
    }

    /**
     * Everything the device's queue holds past its mark, read two items at a time as a mailbox would: the first
     * page with the open, the rest by reads.
     */
    static List<InboxItem> readAll(DeviceQueues from, DeviceAddress device) {
        List<InboxItem> items = new ArrayList<>();
        MailboxStorage.Opening opening = from.open(device, STREAM, 2, 1 << 20).block();
        long after = opening.mark();
        for (QueuePage page = opening.first(); page.coveredThrough() > after;
                page = from.read(device, after, 2, 1 << 20).block()) {
            page.items().forEach(q -> items.add(q.item()));
            after = page.coveredThrough();
        }
        return items;
    }

    @Test
    void anEnqueueSaysWhereTheDevicesStreamIsOnceAnOpenToldTheEntry() {
        DeviceQueues queues = logOnly();
        DeviceAddress device = newDevice();
        UUID sender = UUID.randomUUID();

        assertThat(queues.enqueue(device, List.of(message(serverIds.next(), sender, "before")), false).block()
                .stream()).as("an entry created by an enqueue can't say: the directory is asked").isEqualTo(
                        StreamSighting.UNKNOWN);
        queues.open(device, STREAM, 1, 1).block();
        assertThat(queues.enqueue(device, List.of(message(serverIds.next(), sender, "open")), false).block()
                .stream()).isEqualTo(new StreamSighting(true, STREAM));

        Presence newer = new Presence("other member", STREAM.epoch() + 1);
        queues.open(device, newer, 1, 1).block();
        queues.closed(device, STREAM).block(); // the superseded stream ends after the newer one opened
        assertThat(queues.enqueue(device, List.of(message(serverIds.next(), sender, "newer")), false).block()
                .stream().at()).isEqualTo(newer);

        queues.closed(device, newer).block();
        assertThat(queues.enqueue(device, List.of(message(serverIds.next(), sender, "closed")), false).block()
                .stream()).as("no stream: wake the device").isEqualTo(new StreamSighting(true, null));
    }

    private DeviceQueues logOnly() {
        return new DeviceQueues(hazelcast, new DeviceLog(cql), LOG_ONLY, Duration.ZERO, Clock.systemUTC());
    }

    @Test
    void aMarkMovedAfterTheDevicesEntryWentCreatesTheEntryAgainAndMovesIt() {
        DeviceQueues queues = logOnly();
        DeviceAddress device = newDevice();
        UUID sender = UUID.randomUUID();
        long first = queues.enqueue(device, List.of(message(serverIds.next(), sender, "one"),
                message(serverIds.next(), sender, "two")), false).block().items().get(0).seq();
        hazelcast.getMap(DeviceQueues.MAP).delete(device); // evicted while the device's stream lives

        queues.advance(device, first).block();
        assertThat(hazelcast.getMap(DeviceQueues.MAP).containsKey(device)).as("created by the move").isTrue();
        assertThat(readAll(queues, device)).as("past the moved mark: the second item, from the log")
                .extracting(item -> new String(((InboxItem.Message) item).ciphertext(), StandardCharsets.UTF_8))
                .containsExactly("two");
    }

    @Test
    void manyQueuesCanReferenceOnePayloadStoredOnce() {
        DeviceLog log = new DeviceLog(cql);
        DeviceQueues logOnly = logOnly();
        UUID sender = UUID.randomUUID();
        long payloadId = serverIds.next();
        byte[] payload = "one sender-key ciphertext for the whole group".getBytes(StandardCharsets.UTF_8);
        log.putSharedPayload(payloadId, payload).block();
        InboxItem.Message header = new InboxItem.Message(payloadId, sender, 1, 7L, Instant.now(),
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, payload, UUID.randomUUID(), null);

        for (DeviceAddress device : List.of(newDevice(), newDevice())) {
            logOnly.enqueue(device, List.of(header), true).block();
            hazelcast.getMap(DeviceQueues.MAP).delete(device); // what memory held is gone: read from the log

            assertThat(readAll(logOnly, device)).singleElement().isInstanceOfSatisfying(InboxItem.Message.class,
                    m -> {
                        assertThat(m.ciphertext()).isEqualTo(payload);
                        assertThat(m.sender()).isEqualTo(sender);
                        assertThat(m.envelopeType()).isEqualTo(EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE);
                    });
        }
    }

    @Test
    void oneItemToManyDevicesTakesEachOnesNextSequenceIsWrittenThroughAndMissesOnlyAFullDevice() {
        DeviceLog log = new DeviceLog(cql);
        DeviceQueues queues = new DeviceQueues(hazelcast, log, new DeviceQueue.Limits(256, 1 << 20, 0,
                new InboxUsage.Quota(2, Long.MAX_VALUE, 1.0, 30)), Duration.ZERO, Clock.systemUTC());
        UUID sender = UUID.randomUUID();
        // Four devices on one partition (one grid operation takes them all) and one elsewhere.
        List<DeviceAddress> devices = new ArrayList<>(devicesOnOnePartition(4));
        DeviceAddress elsewhere = newDevice();
        devices.add(elsewhere);
        DeviceAddress full = devices.get(0);
        DeviceAddress earlier = devices.get(1);
        queues.enqueue(full, List.of(message(serverIds.next(), sender, "one"), message(serverIds.next(), sender,
                "two")), false).block();
        long earlierSeq = queues.enqueue(earlier, List.of(message(serverIds.next(), sender, "before")), false).block()
                .items().get(0).seq();
        long payloadId = serverIds.next();
        byte[] payload = "one sender-key ciphertext for every member".getBytes(StandardCharsets.UTF_8);
        log.putSharedPayload(payloadId, payload).block();
        InboxItem.Message header = new InboxItem.Message(payloadId, sender, 1, 8L, Instant.now(),
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, payload, UUID.randomUUID(), null);

        Map<DeviceAddress, Messenger.Enqueued> results = new HashMap<>();
        queues.enqueueToEach(devices, header, true).toIterable().forEach(e -> results.put(e.to(), e));

        assertThat(results).containsOnlyKeys(devices);
        assertThat(results.get(full).items()).as("a full device gets nothing").isEmpty();
        assertThat(results.get(full).noRoom()).isEqualTo(InboxUsage.NoRoom.DEVICE_FULL);
        assertThat(results.get(earlier).items()).extracting(Queued::seq).as("after what the device held")
                .containsExactly(earlierSeq + 1);
        for (DeviceAddress device : devices.subList(1, devices.size())) {
            assertThat(results.get(device).items()).extracting(Queued::item).containsExactly(header);
            hazelcast.getMap(DeviceQueues.MAP).delete(device); // what memory held is gone: the log has the copy
            assertThat(readAll(queues, device)).last().isInstanceOfSatisfying(InboxItem.Message.class,
                    m -> assertThat(m.ciphertext()).isEqualTo(payload));
        }
        hazelcast.getMap(DeviceQueues.MAP).delete(full);
        assertThat(readAll(queues, full)).hasSize(2)
                .noneMatch(i -> i instanceof InboxItem.Message m && Arrays.equals(m.ciphertext(), payload));
    }

    private List<DeviceAddress> devicesOnOnePartition(int count) {
        PartitionService partitions = hazelcast.getPartitionService();
        List<DeviceAddress> devices = new ArrayList<>(List.of(newDevice()));
        int partition = partitions.getPartition(devices.get(0)).getPartitionId();
        while (devices.size() < count) {
            DeviceAddress device = newDevice();
            if (partitions.getPartition(device).getPartitionId() == partition) {
                devices.add(device);
            }
        }
        return devices;
    }

    @Test
    void anAccountEventComesBackFromTheLogAsItWasQueued() {
        DeviceQueues logOnly = logOnly();
        DeviceAddress device = newDevice();
        byte[] event = AccountEvent.newBuilder().setDeviceLinked(DeviceLinked.newBuilder().setDeviceId(2)
                .setDeviceName("laptop").setLinkedAtMs(1_765_000_000_000L)).build().toByteArray();
        long serverId = serverIds.next();

        logOnly.enqueue(device, List.of(new InboxItem.AccountChange(serverId, event)), false).block();
        hazelcast.getMap(DeviceQueues.MAP).delete(device); // what memory held is gone: read from the log

        assertThat(readAll(logOnly, device)).singleElement().isInstanceOfSatisfying(InboxItem.AccountChange.class,
                a -> {
                    assertThat(a.serverId()).isEqualTo(serverId);
                    assertThat(a.event()).isEqualTo(event);
                });
    }

    @Test
    void aQueueWhoseGridEntryWasLostIsReadFromTheLogFromItsMarkAndNewItemsComeAfter() {
        DeviceQueues logOnly = logOnly();
        DeviceAddress device = newDevice();
        UUID sender = UUID.randomUUID();
        List<Queued> stored = enqueueOneByOne(logOnly, device, sender, 5);
        assertThat(logOnly.advance(device, stored.get(1).seq()).block()).as("written through: the log holds it")
                .isTrue();
        logOnly.persistMark(device, stored.get(1).seq()).block();

        hazelcast.getMap(DeviceQueues.MAP).delete(device); // a full cluster restart
        Queued after = logOnly.enqueue(device, List.of(message(serverIds.next(), sender, "after")), false).block()
                .items().get(0);

        assertThat(after.seq()).as("a new epoch: above every earlier sequence").isGreaterThan(stored.get(4).seq());
        assertThat(readAll(logOnly, device)).extracting(InboxItem::serverId).containsExactly(
                stored.get(2).item().serverId(), stored.get(3).item().serverId(), stored.get(4).item().serverId(),
                after.item().serverId());
    }

    @Test
    void anOlderStreamsLateMarkDoesNotMoveTheLogsMarkBack() {
        DeviceQueues logOnly = logOnly();
        DeviceAddress device = newDevice();
        UUID sender = UUID.randomUUID();
        List<Queued> stored = enqueueOneByOne(logOnly, device, sender, 4);
        logOnly.advance(device, stored.get(2).seq()).then(logOnly.persistMark(device, stored.get(2).seq())).block();

        logOnly.persistMark(device, stored.get(0).seq()).block(); // the older stream's close, after the newer's
        hazelcast.getMap(DeviceQueues.MAP).delete(device); // a full cluster restart: the drain reads the log's mark

        assertThat(readAll(logOnly, device)).extracting(InboxItem::serverId)
                .containsExactly(stored.get(3).item().serverId());
    }

    @Test
    void anOpeningLearnsWhichMarkTheLogHoldsOnlyOnceTheMarksWriteLanded() {
        DeviceQueues logOnly = logOnly();
        DeviceAddress device = newDevice();
        List<Queued> stored = enqueueOneByOne(logOnly, device, UUID.randomUUID(), 3);
        long created = logOnly.open(device, STREAM, 1, 1 << 20).block().logged();
        long moved = stored.get(1).seq();

        logOnly.advance(device, moved).block();
        MailboxStorage.Opening unwritten = logOnly.open(device, STREAM, 1, 1 << 20).block();
        assertThat(unwritten.mark()).isEqualTo(moved);
        assertThat(unwritten.logged()).as("moved in the grid, not yet in the log").isEqualTo(created)
                .isLessThan(moved);

        logOnly.persistMark(device, moved).block();
        assertThat(logOnly.open(device, STREAM, 1, 1 << 20).block().logged()).isEqualTo(moved);

        hazelcast.getMap(DeviceQueues.MAP).delete(device); // a new entry starts from the log's mark
        MailboxStorage.Opening recreated = logOnly.open(device, STREAM, 1, 1 << 20).block();
        assertThat(recreated.mark()).isEqualTo(moved);
        assertThat(recreated.logged()).isEqualTo(moved);
    }

    @Test
    void aMarkWriteThatFindsTheLogsRowGoneTellsTheEntryNothing() {
        DeviceQueues logOnly = logOnly();
        DeviceAddress device = newDevice();
        List<Queued> stored = enqueueOneByOne(logOnly, device, UUID.randomUUID(), 2);
        long created = logOnly.open(device, STREAM, 1, 1 << 20).block().logged();
        long moved = stored.get(1).seq();
        logOnly.advance(device, moved).block();
        new DeviceLog(cql).erase(device).block(); // the account's deletion, while a stream still ends

        logOnly.persistMark(device, moved).block();

        assertThat(logOnly.open(device, STREAM, 1, 1 << 20).block().logged())
                .as("the log holds no mark: the compare-and-set found no row").isEqualTo(created);
    }

    /** {@code count} messages from {@code sender}, one enqueue each. */
    private List<Queued> enqueueOneByOne(DeviceQueues to, DeviceAddress device, UUID sender, int count) {
        List<Queued> stored = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            stored.addAll(to.enqueue(device, List.of(message(serverIds.next(), sender, "m" + i)), false).block()
                    .items());
        }
        return stored;
    }

    @Test
    void aLogReadSeeksToItsSequencePastThousandsOfAckedItems() {
        DeviceQueues logOnly = logOnly();
        DeviceAddress device = newDevice();
        UUID sender = UUID.randomUUID();
        List<Queued> stored = new ArrayList<>();
        for (int chunk = 0; chunk < 12; chunk++) { // three buckets' worth, 256 items an enqueue
            List<InboxItem> many = new ArrayList<>();
            for (int i = 0; i < DeviceLog.BUCKET_SIZE / 4; i++) {
                many.add(message(serverIds.next(), sender, "x"));
            }
            stored.addAll(logOnly.enqueue(device, many, false).block().items());
        }
        long mark = stored.get(stored.size() - 2).seq();
        logOnly.advance(device, mark).then(logOnly.persistMark(device, mark)).block();
        hazelcast.getMap(DeviceQueues.MAP).delete(device);

        assertThat(readAll(logOnly, device)).extracting(InboxItem::serverId)
                .containsExactly(stored.get(stored.size() - 1).item().serverId());
    }

    @Test
    void twoConcurrentAttemptsOfOneSendStoreOneCopyUnderOneServerId() {
        SentMessages sent = new SentMessages(queues, new DeviceLog(cql), serverIds, Clock.systemUTC());
        DeviceAddress sender = newDevice();
        AtomicInteger stores = new AtomicInteger();
        Sinks.Empty<Void> gate = Sinks.empty();
        long clientId = 42;
        TokenBucket rate = new TokenBucket(10, Duration.ofSeconds(1));

        Mono<SendOutcome> first = sent.once(sender, clientId, rate, send -> {
            stores.incrementAndGet();
            return gate.asMono().thenReturn(new SendOutcome.Accepted(clientId, send.serverId(), send.serverTime()));
        }).cache();
        first.subscribe();
        Mono<SendOutcome> second = sent.once(sender, clientId, rate, send -> {
            stores.incrementAndGet();
            return Mono.just(new SendOutcome.Accepted(clientId, send.serverId(), send.serverTime()));
        }).cache();
        second.subscribe();
        gate.tryEmitEmpty();

        SendOutcome.Accepted one = (SendOutcome.Accepted) first.block();
        SendOutcome.Accepted two = (SendOutcome.Accepted) second.block();
        assertThat(two.serverId()).isEqualTo(one.serverId());
        assertThat(stores).as("the second attempt joined the first").hasValue(1);
    }

    @Test
    void anAttemptOnAnotherNodeWhileTheFirstIsCutShortReusesItsServerIdAndALaterOneStoresNothing() {
        DeviceAddress sender = newDevice();
        long clientId = 43;
        TokenBucket rate = new TokenBucket(10, Duration.ofSeconds(1));
        List<Long> storedUnder = new ArrayList<>();
        SentMessages nodeA = new SentMessages(queues, new DeviceLog(cql), serverIds, Clock.systemUTC());
        SentMessages nodeB = new SentMessages(queues, new DeviceLog(cql), serverIds, Clock.systemUTC());

        Sinks.Empty<Void> claimed = Sinks.empty();
        nodeA.once(sender, clientId, rate, send -> { // claimed, then its node stalls
            claimed.tryEmitEmpty();
            return Mono.never();
        }).subscribe();
        claimed.asMono().block(Duration.ofSeconds(10));
        SendOutcome.Accepted retried = (SendOutcome.Accepted) nodeB.once(sender, clientId, rate, send -> {
            storedUnder.add(send.serverId());
            return Mono.just(new SendOutcome.Accepted(clientId, send.serverId(), send.serverTime()));
        }).block();
        SendOutcome.Accepted later = (SendOutcome.Accepted) nodeB.once(sender, clientId, rate, send -> {
            storedUnder.add(-1L);
            return Mono.just(new SendOutcome.Accepted(clientId, send.serverId(), send.serverTime()));
        }).block();

        assertThat(storedUnder).containsExactly(retried.serverId());
        assertThat(later.serverId()).isEqualTo(retried.serverId());
        assertThat(later.serverTime()).isEqualTo(retried.serverTime());
    }

    @Test
    void aSendsCompletionRidesTheSendingDevicesNextOpOnItsEntry() {
        DeviceQueues queues = lingering(Duration.ofHours(1)); // no lone flush within the test
        DeviceAddress sender = newDevice();
        long serverId = serverIds.next();
        assertThat(queues.claim(sender, 50, new DeviceQueue.Send(serverId, 1, false, true)).blockOptional())
                .as("claimed").isEmpty();

        CompletableFuture<Void> landed = queues.completedSoon(sender, 50).toFuture();
        assertThat(landed).as("waiting for a ride").isNotDone();
        assertThat(sendRecord(sender, 50).complete()).isFalse();

        queues.advance(sender, 0).block(); // the device's next op: its mark moves (here by nothing)

        assertThat(landed).succeedsWithin(Duration.ofSeconds(10));
        assertThat(sendRecord(sender, 50).complete()).as("the completion rode the mark's op").isTrue();
        assertThat(queues.claim(sender, 50, new DeviceQueue.Send(serverIds.next(), 2, false, true)).block())
                .as("a later attempt gets the first one's record").isEqualTo(
                        new DeviceQueue.Send(serverId, 1, true, true));
    }

    @Test
    void aCompletionWithNoOpToRideGoesAloneAfterTheLinger() {
        DeviceQueues queues = lingering(Duration.ofMillis(50));
        DeviceAddress sender = claimed(queues, 51);

        queues.completedSoon(sender, 51).block(Duration.ofSeconds(10));

        assertThat(sendRecord(sender, 51).complete()).isTrue();
    }

    @Test
    void aCompletionWhoseCarrierWasCancelledWaitsForTheNextAndLands() {
        DeviceQueues queues = lingering(Duration.ofMillis(50));
        DeviceAddress sender = claimed(queues, 52);
        CompletableFuture<Void> landed = queues.completedSoon(sender, 52).toFuture();

        queues.advance(sender, 0).subscribe().dispose(); // the carrier took the ride, then went away

        assertThat(landed).succeedsWithin(Duration.ofSeconds(10));
        assertThat(sendRecord(sender, 52).complete()).isTrue();
    }

    @Test
    void completionsStillWaitingGoWhenTheQueuesClose() {
        DeviceQueues queues = lingering(Duration.ofHours(1));
        DeviceAddress sender = claimed(queues, 53);
        queues.completedSoon(sender, 53).subscribe();

        queues.close();

        assertThat(sendRecord(sender, 53).complete()).isTrue();
    }

    /**
     * On the real grid, whether or not the moves happen to meet in one batch (that they go together when they do is
     * {@code MarkMovesTest}'s, with a gated mover): every mark lands with its completions, and a device without an
     * entry gets one.
     */
    @Test
    void marksOfManyDevicesOfOnePartitionMoveWithTheCompletionsRidingThem() {
        DeviceQueues queues = lingering(Duration.ofHours(1));
        PartitionService partitions = hazelcast.getPartitionService();
        DeviceAddress first = newDevice();
        int partition = partitions.getPartition(first).getPartitionId();
        List<DeviceAddress> devices = new ArrayList<>(List.of(first));
        while (devices.size() < 5) {
            DeviceAddress device = newDevice();
            if (partitions.getPartition(device).getPartitionId() == partition) {
                devices.add(device);
            }
        }
        DeviceAddress fresh = devices.remove(4); // no entry yet: its move creates one
        Map<DeviceAddress, Long> seqs = new HashMap<>();
        List<CompletableFuture<Void>> landed = new ArrayList<>();
        for (DeviceAddress device : devices) {
            seqs.put(device, queues.enqueue(device, List.of(message(serverIds.next(), UUID.randomUUID(), "m")),
                    false).block().items().get(0).seq());
            queues.claim(device, 60, new DeviceQueue.Send(serverIds.next(), 1, false, true)).block();
            landed.add(queues.completedSoon(device, 60).toFuture());
        }
        seqs.put(fresh, 0L);

        // Subscribed at once: the first goes alone, the others wait for it and go in one operation.
        Mono.when(seqs.entrySet().stream().map(e -> queues.advance(e.getKey(), e.getValue())).toList())
                .block(Duration.ofSeconds(10));

        for (DeviceAddress device : devices) {
            assertThat(((DeviceQueue) hazelcast.getMap(DeviceQueues.MAP).get(device)).ackedThrough)
                    .isEqualTo(seqs.get(device));
            assertThat(sendRecord(device, 60).complete()).isTrue();
        }
        assertThat(landed).allSatisfy(f -> assertThat(f).succeedsWithin(Duration.ofSeconds(10)));
        assertThat(hazelcast.getMap(DeviceQueues.MAP).containsKey(fresh)).isTrue();
    }

    /** Device queues whose send completions wait {@code linger} for a ride. */
    private DeviceQueues lingering(Duration linger) {
        return new DeviceQueues(hazelcast, new DeviceLog(cql), LOG_ONLY, Duration.ZERO, Clock.systemUTC(), linger);
    }

    /** A new device that claimed a client id. */
    private DeviceAddress claimed(DeviceQueues queues, long clientId) {
        DeviceAddress sender = newDevice();
        queues.claim(sender, clientId, new DeviceQueue.Send(serverIds.next(), 1, false, true)).block();
        return sender;
    }

    private DeviceQueue.Send sendRecord(DeviceAddress device, long clientId) {
        return ((DeviceQueue) hazelcast.getMap(DeviceQueues.MAP).get(device)).sends.get(clientId);
    }
}
