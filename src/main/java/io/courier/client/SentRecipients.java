package io.courier.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The recipient of each recent 1:1 message this account sent, by server id (this device's sends and the copies of
 * its other devices' sends): receipts on a compact stream don't name it. The newest {@code capacity} are kept in
 * memory only (saving them would rewrite the device's state on every send); an older message's recipient, or one
 * sent before the app started, is asked of the server.
 */
final class SentRecipients {
    private final Map<Long, UUID> recipients;

    SentRecipients(int capacity) {
        this.recipients = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, UUID> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized void remember(long serverId, UUID recipient) {
        recipients.put(serverId, recipient);
    }

    synchronized Optional<UUID> recipient(long serverId) {
        return Optional.ofNullable(recipients.get(serverId));
    }
}
