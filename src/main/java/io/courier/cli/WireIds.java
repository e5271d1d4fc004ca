package io.courier.cli;

import java.nio.ByteBuffer;
import java.util.UUID;

import com.google.protobuf.ByteString;

/** 16-byte wire ids (the contract's form) to and from UUIDs. */
final class WireIds {
    private WireIds() {
    }

    static UUID uuid(ByteString bytes) {
        ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
        return new UUID(buffer.getLong(), buffer.getLong());
    }

    static ByteString bytes(UUID id) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits()).array());
    }
}
