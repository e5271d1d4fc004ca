package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.ServerIds;
import io.courier.local.FreePorts;
import io.courier.store.Cql;
import io.courier.support.AdjustableClock;
import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Mono;

/**
 * The tick ledger's hot side on two real Hazelcast members of a cluster of their own, over the real database: a
 * message's ticks change only memory until the flush time is over, then go to the table in one write; a change that
 * races a flush is written by the next; held ticks outlive their owner; a mark for a message no longer held goes to
 * the table.
 */
@QuarkusTest
class HeldTicksTest extends ServerTest {
    private static final Duration FLUSH_AFTER = Duration.ofSeconds(30);

    @Inject
    CqlSession session;

    @Inject
    ServerIds serverIds;

    private final List<HazelcastInstance> members = new ArrayList<>();
    private final String cluster = "ticks-test-" + UUID.randomUUID();
    private final List<String> addresses = new ArrayList<>();
    private final AdjustableClock clock = new AdjustableClock();

    @AfterEach
    void stopMembers() {
        members.forEach(m -> m.getLifecycleService().terminate());
    }

    /** Counts writes to the 1:1 tick table, and holds them at a gate once {@link #closeGate()} was called. */
    private static final class CountingCql extends Cql {
        final List<Statement<?>> tickWrites = new CopyOnWriteArrayList<>();
        volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
        final CountDownLatch held = new CountDownLatch(1);

        CountingCql(CqlSession session) {
            super(session);
        }

        void closeGate() {
            gate = new CompletableFuture<>();
        }

        @Override
        public Mono<Void> write(Statement<?> statement) {
            BoundStatement first = statement instanceof BatchStatement batch
                    ? (BoundStatement) batch.iterator().next() : (BoundStatement) statement;
            if (!first.getPreparedStatement().getQuery().contains("direct_receipts")) {
                return super.write(statement);
            }
            tickWrites.add(statement);
            held.countDown();
            return Mono.fromFuture(gate).then(super.write(statement));
        }
    }

    private HazelcastInstance member() {
        int port = FreePorts.pick();
        addresses.add("127.0.0.1:" + port);
        HazelcastInstance member = SecondMember.start(cluster, port, List.copyOf(addresses),
                List.of(HeldTicks.mapConfig()));
        members.add(member);
        return member;
    }

    /** A ledger whose held ticks are reached through {@code via}, over a table whose writes are counted. */
    private record Ledger(CountingCql cql, ReceiptTable table, HeldTicks ticks, ReceiptLedger ledger) {
    }

    private Ledger ledgerVia(HazelcastInstance via) {
        CountingCql cql = new CountingCql(session);
        ReceiptTable table = new ReceiptTable(cql);
        HeldTicks ticks = new HeldTicks(via, table, FLUSH_AFTER, clock);
        return new Ledger(cql, table, ticks, new ReceiptLedger(ticks, table, () -> true));
    }

    private static UUID senderOwnedBy(HazelcastInstance owner) {
        while (true) {
            UUID sender = UUID.randomUUID();
            if (owner.getPartitionService().getPartition(sender).getOwner().localMember()) {
                return sender;
            }
        }
    }

    private static ReceiptTable.Mark mark(long serverId, UUID recipient, ReceiptState state, Instant at) {
        return new ReceiptTable.Mark(serverId, recipient, state, at, false);
    }

    @Test
    void aMessageDeliveredAndReadWithinTheFlushTimeIsWrittenOnceWithEveryTick() {
        HazelcastInstance owner = member();
        member();
        Ledger held = ledgerVia(owner);
        UUID sender = senderOwnedBy(owner);
        UUID recipient = UUID.randomUUID();
        long serverId = serverIds.next();
        Instant sent = clock.instant().truncatedTo(ChronoUnit.MILLIS);

        held.ledger().recordSent(sender, serverId, recipient, sent).block();
        held.ledger().mark(sender, List.of(mark(serverId, recipient, ReceiptState.RECEIPT_STATE_DELIVERED,
                sent.plusSeconds(1)))).block();
        held.ledger().mark(sender, List.of(mark(serverId, recipient, ReceiptState.RECEIPT_STATE_READ,
                sent.plusSeconds(2)))).block();
        clock.advance(Duration.ofSeconds(10));
        held.ticks().flush().block();

        assertThat(held.cql().tickWrites).as("within the flush time nothing is written").isEmpty();
        assertThat(held.ledger().statuses(sender, serverId).block()).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(ReceiptState.RECEIPT_STATE_READ));

        clock.advance(FLUSH_AFTER);
        held.ticks().flush().block();

        assertThat(held.cql().tickWrites).as("SENT, DELIVERED and READ in one write").hasSize(1);
        assertThat(held.ticks().lookup(sender, Set.of(serverId)).block()).as("written and old: no longer held").isEmpty();
        assertThat(held.table().statuses(sender, serverId).block()).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(ReceiptState.RECEIPT_STATE_READ);
            assertThat(s.updatedAt()).isEqualTo(sent.plusSeconds(2));
        });
    }

    @Test
    void aTickThatChangesWhileItsFlushIsBeingWrittenIsWrittenByTheNextFlush() throws InterruptedException {
        HazelcastInstance owner = member();
        member();
        Ledger held = ledgerVia(owner);
        UUID sender = senderOwnedBy(owner);
        UUID recipient = UUID.randomUUID();
        long serverId = serverIds.next();
        Instant sent = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        held.ledger().recordSent(sender, serverId, recipient, sent).block();
        clock.advance(FLUSH_AFTER.plusSeconds(1));

        held.cql().closeGate();
        CompletableFuture<Void> flushing = held.ticks().flush().toFuture();
        assertThat(held.cql().held.await(30, TimeUnit.SECONDS)).as("the flush's write reached the gate").isTrue();
        held.ledger().mark(sender, List.of(mark(serverId, recipient, ReceiptState.RECEIPT_STATE_DELIVERED,
                clock.instant()))).block();
        held.cql().gate.complete(null);
        flushing.join();

        assertThat(held.ticks().lookup(sender, Set.of(serverId)).block()).as("changed after its snapshot: still held")
                .containsKey(serverId);
        assertThat(held.table().statuses(sender, serverId).block()).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(ReceiptState.RECEIPT_STATE_SENT));
        clock.advance(FLUSH_AFTER.plusSeconds(1));
        held.ticks().flush().block();

        assertThat(held.table().statuses(sender, serverId).block()).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(ReceiptState.RECEIPT_STATE_DELIVERED));
        assertThat(held.ticks().lookup(sender, Set.of(serverId)).block()).isEmpty();
    }

    @Test
    void heldTicksOutliveTheirOwner() {
        HazelcastInstance owner = member();
        HazelcastInstance survivor = member();
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.getPartitionService().isClusterSafe());
        Ledger held = ledgerVia(survivor);
        UUID sender = senderOwnedBy(owner);
        UUID recipient = UUID.randomUUID();
        long serverId = serverIds.next();
        held.ledger().recordSent(sender, serverId, recipient, clock.instant()).block();
        held.ledger().mark(sender, List.of(mark(serverId, recipient, ReceiptState.RECEIPT_STATE_DELIVERED,
                clock.instant()))).block();

        owner.getLifecycleService().terminate(); // kill -9: no graceful migration

        assertThat(held.ledger().statuses(sender, serverId).block()).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(ReceiptState.RECEIPT_STATE_DELIVERED));
        assertThat(held.cql().tickWrites).as("from the promoted backup, not the table").isEmpty();
    }

    @Test
    void aMarkForAMessageNoLongerHeldGoesToTheTable() {
        HazelcastInstance owner = member();
        member();
        Ledger held = ledgerVia(owner);
        UUID sender = senderOwnedBy(owner);
        UUID recipient = UUID.randomUUID();
        long serverId = serverIds.next();
        Instant sent = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        held.ledger().recordSent(sender, serverId, recipient, sent).block();
        clock.advance(FLUSH_AFTER.plusSeconds(1));
        held.ticks().flush().block();
        assertThat(held.ticks().lookup(sender, Set.of(serverId)).block()).isEmpty();

        held.ledger().mark(sender, List.of(mark(serverId, recipient, ReceiptState.RECEIPT_STATE_READ,
                sent.plusSeconds(40)))).block();

        assertThat(held.ledger().progress(sender, Map.of(serverId, Set.of(recipient)), Set.of()).block()
                .get(serverId).get(recipient).state()).isEqualTo(ReceiptState.RECEIPT_STATE_READ);
        assertThat(held.cql().tickWrites).as("the flush of SENT, then the READ").hasSize(2);
    }
}
