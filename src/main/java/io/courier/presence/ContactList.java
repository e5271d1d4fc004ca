package io.courier.presence;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collection;
import java.util.UUID;

/**
 * An account's contact list as cached on every node: the ids as sorted (most, least significant bits) pairs, 16
 * bytes a contact and one array instead of a set of objects, searched in place. Shared between callers: never
 * modified.
 */
record ContactList(long[] ids) implements Serializable {
    static ContactList of(Collection<UUID> contacts) {
        UUID[] sorted = contacts.toArray(UUID[]::new);
        Arrays.sort(sorted); // UUID order: most, then least significant bits, both signed
        long[] ids = new long[sorted.length * 2];
        for (int i = 0; i < sorted.length; i++) {
            ids[2 * i] = sorted[i].getMostSignificantBits();
            ids[2 * i + 1] = sorted[i].getLeastSignificantBits();
        }
        return new ContactList(ids);
    }

    boolean has(UUID account) {
        long most = account.getMostSignificantBits();
        long least = account.getLeastSignificantBits();
        int low = 0;
        int high = ids.length / 2 - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int order = ids[2 * mid] != most ? Long.compare(ids[2 * mid], most) : Long.compare(ids[2 * mid + 1], least);
            if (order == 0) {
                return true;
            }
            if (order < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return false;
    }
}
