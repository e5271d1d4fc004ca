package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** Inbox storage on the real database: shared payload references, ordering, the ack cursor. */
@QuarkusTest
class InboxStoreTest extends ServerTest {
    @Inject
    InboxStore inbox;

    @Inject
    ServerIds serverIds;

    private static InboxItem.Message header(long serverId, UUID sender) {
        return new InboxItem.Message(serverId, sender, 1, 7L, Instant.now(),
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, new byte[0], UUID.randomUUID(), null);
    }

    @Test
    void manyInboxesCanReferenceOnePayloadStoredOnce() {
        UUID sender = UUID.randomUUID();
        long payloadId = serverIds.next();
        byte[] payload = "one sender-key ciphertext for the whole group".getBytes(StandardCharsets.UTF_8);
        inbox.putSharedPayload(payloadId, payload).block();
        DeviceAddress first = new DeviceAddress(UUID.randomUUID(), 1);
        DeviceAddress second = new DeviceAddress(UUID.randomUUID(), 3);

        inbox.appendReference(first, header(payloadId, sender), payloadId).block();
        inbox.appendReference(second, header(payloadId, sender), payloadId).block();

        for (DeviceAddress device : new DeviceAddress[] { first, second }) {
            var items = inbox.readAfter(device, 0, 10).block();
            assertThat(items).singleElement().isInstanceOfSatisfying(InboxItem.Message.class, m -> {
                assertThat(m.ciphertext()).isEqualTo(payload);
                assertThat(m.sender()).isEqualTo(sender);
                assertThat(m.envelopeType()).isEqualTo(EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE);
            });
        }
    }

    @Test
    void readsComeInServerIdOrderAndStartAfterTheCursor() {
        DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 1);
        Long[] ids = new Long[5];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = serverIds.next();
        }
        for (int i = ids.length - 1; i >= 0; i--) { // written newest first
            inbox.append(device, new InboxItem.Message(ids[i], UUID.randomUUID(), 1, i, Instant.now(),
                    EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[] { (byte) i }, null, null))
                    .block();
        }

        assertThat(inbox.readAfter(device, 0, 10).block()).extracting(InboxItem::serverId).containsExactly(ids);
        assertThat(inbox.cursor(device).block()).isZero();
        inbox.advanceCursor(device, ids[2]).block();
        assertThat(inbox.readAfter(device, inbox.cursor(device).block(), 10).block()).extracting(InboxItem::serverId)
                .containsExactly(ids[3], ids[4]);
    }
}
