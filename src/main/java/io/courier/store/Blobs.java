package io.courier.store;

import java.nio.ByteBuffer;

/** CQL blob columns to byte arrays. */
public final class Blobs {
    private Blobs() {
    }

    /** A copy of the buffer's remaining bytes; empty for a null (unset) column. */
    public static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }
}
