package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.core.HazelcastInstance;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.ServerIds;
import io.courier.common.Ids;
import io.courier.common.MessageTracing;
import io.courier.keys.KeyDirectory;
import io.courier.messaging.SenderReceipts.Receipts;
import io.courier.push.WakeUps;
import io.courier.store.Cql;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Receipts to one sender are handled one batch at a time; those that arrive meanwhile go out together, as one event
 * per message and state, in order, each recipient once. A gate on the database holds the first batch so the rest provably queue behind it.
 */
@QuarkusTest
class SenderReceiptsTest extends ServerTest {
    @Inject
    CqlSession session;

    @Inject
    KeyDirectory keys;

    @Inject
    PresenceDirectory presence;

    @Inject
    NodeBus bus;

    @Inject
    ServerIds serverIds;

    @Inject
    MessagingMetrics metrics;

    @Inject
    WakeUps wakeUps;

    @Inject
    HazelcastInstance hazelcast;

    /** Holds queue log writes until opened, and counts the receipt rows each write carries. */
    private static final class GatedCql extends Cql {
        final CompletableFuture<Void> gate = new CompletableFuture<>();
        final List<Integer> receiptRowsPerWrite = new CopyOnWriteArrayList<>();

        GatedCql(CqlSession session) {
            super(session);
        }

        @Override
        public Mono<Void> write(Statement<?> statement) {
            int rows = statement instanceof BatchStatement batch ? batch.size() : 1;
            String query = statement instanceof BatchStatement batch
                    ? ((BoundStatement) batch.iterator().next()).getPreparedStatement().getQuery()
                    : ((BoundStatement) statement).getPreparedStatement().getQuery();
            if (!query.startsWith("INSERT INTO device_log")) {
                return super.write(statement);
            }
            receiptRowsPerWrite.add(rows);
            return Mono.fromFuture(gate).then(super.write(statement));
        }
    }

    @Test
    void receiptsArrivingWhileABatchIsWrittenGoOutTogetherInOrder() {
        Participant sender = participant();
        UUID senderId = Ids.uuid(sender.accountId(), "id");
        GatedCql cql = new GatedCql(session);
        DeviceQueues queues = new DeviceQueues(hazelcast, new DeviceLog(cql),
                new DeviceQueue.Limits(256, 1 << 20, 5000), Duration.ofSeconds(30), Clock.systemUTC());
        ReceiptTable table = new ReceiptTable(cql);
        ReceiptLedger ledger = new ReceiptLedger(new HeldTicks(hazelcast, table, Duration.ofSeconds(30),
                Clock.systemUTC()), table, queues::holding);
        SenderReceipts receipts = new SenderReceipts(queues, ledger, new DeliveryRouter(presence, bus, wakeUps, MessageTracing.OFF), keys, serverIds,
                metrics);
        UUID group = UUID.randomUUID();
        long first = 100;
        long second = 200;
        List<UUID> members = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            members.add(UUID.randomUUID());
        }
        Instant at = Instant.parse("2026-11-28T10:00:00Z");
        ledger.recordGroupSent(senderId, first, group, members, at).block();
        ledger.recordGroupSent(senderId, second, group, members, at).block();

        List<Mono<List<Long>>> told = new ArrayList<>();
        told.add(receipts.tell(delivered(senderId, first, members.get(0), at, group)).cache());
        told.get(0).subscribe();
        // The first batch is now held at the gate: everything below queues behind it.
        members.subList(1, 6).forEach(m -> told.add(receipts.tell(delivered(senderId, first, m, at, group)).cache()));
        told.add(receipts.tell(delivered(senderId, first, members.get(1), at, group)).cache()); // member 1's 2nd device
        told.add(receipts.tell(new Receipts(senderId, List.of(first, 999L), members.get(0),
                ReceiptState.RECEIPT_STATE_READ, at.plusSeconds(1), true, Map.of())).cache());
        told.add(receipts.tell(delivered(senderId, second, members.get(1), at, group)).cache());
        told.forEach(Mono::subscribe);
        cql.gate.complete(null);
        List<List<Long>> unknown = Flux.concat(told).collectList().block();

        assertThat(unknown).as("only the READ of a message never sent to the reader finds no entry")
                .containsExactly(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                        List.of(999L), List.of());
        assertThat(cql.receiptRowsPerWrite).as("one write for the first receipt, one for all that queued")
                .containsExactly(1, 3);
        DeviceAddress senderDevice = new DeviceAddress(senderId, sender.deviceId());
        List<Queued> events = queues.open(senderDevice, new Presence("test", 1), 100, 1 << 20).block().first()
                .items();
        assertThat(events).extracting(e -> describe((InboxItem.Receipt) e.item())).containsExactly(
                "100 RECEIPT_STATE_DELIVERED " + List.of(members.get(0)) + " " + group,
                "100 RECEIPT_STATE_DELIVERED " + members.subList(1, 6) + " " + group,
                "200 RECEIPT_STATE_DELIVERED " + List.of(members.get(1)) + " " + group,
                "100 RECEIPT_STATE_READ " + List.of(members.get(0)) + " " + group);
        assertThat(table.progress(senderId, first, members, true).block().values()).extracting(p -> p.state())
                .containsExactlyInAnyOrder(ReceiptState.RECEIPT_STATE_READ, ReceiptState.RECEIPT_STATE_DELIVERED,
                        ReceiptState.RECEIPT_STATE_DELIVERED, ReceiptState.RECEIPT_STATE_DELIVERED,
                        ReceiptState.RECEIPT_STATE_DELIVERED, ReceiptState.RECEIPT_STATE_DELIVERED);
    }

    private static Receipts delivered(UUID sender, long serverId, UUID member, Instant at, UUID group) {
        return new Receipts(sender, List.of(serverId), member, ReceiptState.RECEIPT_STATE_DELIVERED, at, false,
                Map.of(serverId, group));
    }

    private static String describe(InboxItem.Receipt receipt) {
        return receipt.messageServerId() + " " + receipt.state() + " " + receipt.recipients() + " "
                + receipt.groupId();
    }
}
