package io.courier.presence;

import java.io.Serializable;
import java.util.Set;
import java.util.UUID;

/**
 * An account's privacy settings as cached on every node: who sees its online / last-seen state, whom it blocks, and
 * who may add it to groups. Shared between callers: never modified. The contact list that {@link Audience#CONTACTS}
 * refers to is not here: it is cached on its own ({@link ContactDirectory}), read only when a setting needs it.
 *
 * @param version the compare-and-set version of its row (0: no row yet)
 */
public record Privacy(int version, Audience presence, Set<UUID> blocked, Audience groupAdds) implements Serializable {
    /** Presence shown to contacts only, group adds by everyone. */
    static final Privacy DEFAULT = new Privacy(0, Audience.CONTACTS, Set.of(), Audience.EVERYONE);

    /** Who a setting lets in (presence, group adds); stored as the ordinal. */
    public enum Audience {
        EVERYONE, CONTACTS, NOBODY
    }

    public Privacy {
        blocked = Set.copyOf(blocked);
    }

    public boolean blocks(UUID account) {
        return blocked.contains(account);
    }

    Privacy next(Audience presenceNext, Set<UUID> blockedNext, Audience groupAddsNext) {
        return new Privacy(version + 1, presenceNext, blockedNext, groupAddsNext);
    }
}
