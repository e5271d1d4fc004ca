package io.courier.client;

import java.nio.ByteBuffer;
import java.util.LinkedHashSet;

/** The newest {@code capacity} ids added, oldest dropped first, as bytes for the store. Not thread-safe. */
final class RecentIds {
    private final int capacity;
    private final LinkedHashSet<Long> ids = new LinkedHashSet<>();

    RecentIds(int capacity, byte[] saved) {
        this.capacity = capacity;
        if (saved != null) {
            ByteBuffer buffer = ByteBuffer.wrap(saved);
            while (buffer.remaining() >= Long.BYTES) {
                ids.add(buffer.getLong());
            }
        }
    }

    boolean contains(long id) {
        return ids.contains(id);
    }

    void add(long id) {
        ids.add(id);
        while (ids.size() > capacity) {
            ids.remove(ids.iterator().next());
        }
    }

    byte[] serialize() {
        ByteBuffer buffer = ByteBuffer.allocate(ids.size() * Long.BYTES);
        ids.forEach(buffer::putLong);
        return buffer.array();
    }
}
