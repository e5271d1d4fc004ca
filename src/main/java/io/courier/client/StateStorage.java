package io.courier.client;

import java.util.SortedMap;

/**
 * Where a {@link ClientStore} keeps its state between runs. The store hands over a complete snapshot after every
 * change; implementations make it durable (or not).
 */
public interface StateStorage {
    /** The last saved snapshot, empty for a new device. */
    SortedMap<String, byte[]> load();

    void save(SortedMap<String, byte[]> snapshot);
}
