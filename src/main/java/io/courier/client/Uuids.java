package io.courier.client;

import java.nio.ByteBuffer;
import java.util.UUID;

/** UUIDs as 16 bytes in the store's binary records. */
final class Uuids {
    static final int BYTES = 16;

    private Uuids() {
    }

    static ByteBuffer put(ByteBuffer buffer, UUID id) {
        return buffer.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    static UUID get(ByteBuffer buffer) {
        return new UUID(buffer.getLong(), buffer.getLong());
    }
}
