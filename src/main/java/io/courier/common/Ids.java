package io.courier.common;

import java.nio.ByteBuffer;
import java.util.UUID;

import com.google.protobuf.ByteString;

/** 16-byte wire ids to and from UUIDs. */
public final class Ids {
    private Ids() {
    }

    public static ByteString bytes(UUID id) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits()).array());
    }

    /** @param field the request field, named in the INVALID_ARGUMENT message */
    public static UUID uuid(ByteString bytes, String field) {
        if (bytes.isEmpty()) {
            throw Rejections.invalidArgument(field + " is required");
        }
        if (bytes.size() != 16) {
            throw Rejections.invalidArgument(field + " must be 16 bytes, got " + bytes.size());
        }
        ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
        return new UUID(buffer.getLong(), buffer.getLong());
    }
}
