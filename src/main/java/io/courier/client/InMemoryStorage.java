package io.courier.client;

import java.util.SortedMap;
import java.util.TreeMap;

/** Keeps nothing beyond the process: for tests and throwaway clients. */
public final class InMemoryStorage implements StateStorage {
    @Override
    public SortedMap<String, byte[]> load() {
        return new TreeMap<>();
    }

    @Override
    public void save(SortedMap<String, byte[]> snapshot) {
        // nothing to keep
    }
}
