package io.courier.client;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.google.protobuf.ByteString;

/** Account and group ids in the contract's form (16 bytes, big-endian) to and from UUIDs. */
public final class WireIds {
    private WireIds() {
    }

    public static ByteString bytes(UUID id) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits()).array());
    }

    public static UUID uuid(ByteString bytes) {
        ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
        return new UUID(buffer.getLong(), buffer.getLong());
    }

    /** An optional id of a frame: absent when the field is empty. */
    static Optional<UUID> uuidIfAny(ByteString bytes) {
        return bytes.isEmpty() ? Optional.empty() : Optional.of(uuid(bytes));
    }

    static List<ByteString> bytes(Collection<UUID> ids) {
        return ids.stream().map(WireIds::bytes).toList();
    }
}
