package io.courier.presence;

import java.io.Serializable;
import java.util.Set;
import java.util.UUID;

/**
 * An account's privacy settings as cached on every node: whether it hides its online / last-seen state, and whom it
 * blocks. Shared between callers: never modified.
 *
 * @param version the compare-and-set version of its row (0: no row yet)
 */
public record Privacy(int version, boolean lastSeenHidden, Set<UUID> blocked) implements Serializable {
    static final Privacy DEFAULT = new Privacy(0, false, Set.of());

    public Privacy {
        blocked = Set.copyOf(blocked);
    }

    public boolean blocks(UUID account) {
        return blocked.contains(account);
    }
}
