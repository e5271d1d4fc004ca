package io.courier.client;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The recipient of each recent 1:1 message this account sent, by server id (this device's sends and the copies of
 * its other devices' sends): receipts on a compact stream don't name it. The newest {@code capacity} are kept, in
 * the store; an older message's recipient is asked of the server.
 */
final class SentRecipients {
    static final String KEY = "meta/sent-recipients";
    private static final int RECORD = Long.BYTES + Uuids.BYTES;

    private final ClientStore store;
    private final Map<Long, UUID> recipients;

    SentRecipients(ClientStore store, int capacity) {
        this.store = store;
        this.recipients = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, UUID> eldest) {
                return size() > capacity;
            }
        };
        byte[] saved = store.get(KEY);
        if (saved != null) {
            ByteBuffer buffer = ByteBuffer.wrap(saved);
            while (buffer.remaining() >= RECORD) {
                recipients.put(buffer.getLong(), Uuids.get(buffer));
            }
        }
    }

    synchronized void remember(long serverId, UUID recipient) {
        if (recipient.equals(recipients.put(serverId, recipient))) {
            return; // a redelivered copy: nothing new to save
        }
        ByteBuffer buffer = ByteBuffer.allocate(recipients.size() * RECORD);
        recipients.forEach((id, to) -> Uuids.put(buffer.putLong(id), to));
        store.put(KEY, buffer.array());
    }

    synchronized Optional<UUID> recipient(long serverId) {
        return Optional.ofNullable(recipients.get(serverId));
    }
}
