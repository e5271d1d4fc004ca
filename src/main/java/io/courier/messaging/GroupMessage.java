package io.courier.messaging;

import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;

import io.courier.cluster.DeviceAddress;

/**
 * A group message stored once: its ciphertext is the shared payload under {@code serverId}, and every member device's
 * inbox gets a reference to it under the same id. {@code expiresAt}: a disappearing message's end, or null
 * ({@link MessageExpiry}).
 */
public record GroupMessage(UUID groupId, long serverId, DeviceAddress sender, long clientMessageId, Instant serverTime,
        Instant expiresAt) implements Serializable {
}
