package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ReceiptState;
import io.courier.store.Cql;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** Receipt states on the real database: writes that land in any order never move a state back. */
@QuarkusTest
class ReceiptTableTest extends ServerTest {
    @Inject
    Cql cql;

    @Test
    void aDeliveredWriteThatLandsAfterReadLeavesRead() {
        ReceiptTable ledger = new ReceiptTable(cql);
        UUID sender = UUID.randomUUID();
        UUID recipient = UUID.randomUUID();
        long serverId = 42;
        Instant sentAt = Instant.parse("2026-11-28T10:00:00Z");
        ledger.recordSent(sender, serverId, recipient, sentAt).block();

        // The recipient's second device read SENT before the first device's READ landed; its DELIVERED lands last.
        ledger.mark(sender, List.of(new ReceiptTable.Mark(serverId, recipient, ReceiptState.RECEIPT_STATE_READ,
                sentAt.plusSeconds(2), false))).block();
        ledger.mark(sender, List.of(new ReceiptTable.Mark(serverId, recipient, ReceiptState.RECEIPT_STATE_DELIVERED,
                sentAt.plusSeconds(3), false))).block();

        assertThat(ledger.progress(sender, serverId, List.of(recipient), false).block().get(recipient).state())
                .isEqualTo(ReceiptState.RECEIPT_STATE_READ);
        assertThat(ledger.statuses(sender, serverId).block()).singleElement().satisfies(status -> {
            assertThat(status.state()).isEqualTo(ReceiptState.RECEIPT_STATE_READ);
            assertThat(status.updatedAt()).isEqualTo(sentAt.plusSeconds(2));
        });
    }

    @Test
    void aFlushOfTicksHeldInTheGridNeverErasesALaterMarkWrittenToTheTable() {
        ReceiptTable table = new ReceiptTable(cql);
        UUID sender = UUID.randomUUID();
        UUID recipient = UUID.randomUUID();
        long serverId = 43;
        Instant sentAt = Instant.parse("2026-11-28T10:00:00Z");
        table.mark(sender, List.of(new ReceiptTable.Mark(serverId, recipient, ReceiptState.RECEIPT_STATE_READ,
                sentAt.plusSeconds(5), false))).block();

        table.putDirect(sender, List.of(new ReceiptTable.DirectRow(serverId, recipient, sentAt.toEpochMilli(),
                sentAt.plusSeconds(1).toEpochMilli(), 0))).block();

        assertThat(table.statuses(sender, serverId).block()).singleElement().satisfies(status -> {
            assertThat(status.state()).isEqualTo(ReceiptState.RECEIPT_STATE_READ);
            assertThat(status.updatedAt()).isEqualTo(sentAt.plusSeconds(5));
        });
    }

    @Test
    void aMessageNeverSentToTheRecipientHasNoState() {
        ReceiptTable ledger = new ReceiptTable(cql);

        assertThat(ledger.progress(UUID.randomUUID(), 7, List.of(UUID.randomUUID()), false).block()).isEmpty();
    }
}
