package io.courier.common;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map that forgets its eldest entry beyond {@code bound} entries; not thread-safe (callers guard it). */
public final class LruMap<K, V> extends LinkedHashMap<K, V> {
    private final int bound;

    /** @param accessOrder a read makes an entry the newest (else only a put does) */
    public LruMap(int bound, boolean accessOrder) {
        super(16, 0.75f, accessOrder);
        this.bound = bound;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > bound;
    }
}
