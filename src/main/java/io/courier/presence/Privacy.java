package io.courier.presence;

import java.io.Serializable;
import java.util.Set;
import java.util.UUID;

/**
 * An account's privacy settings as cached on every node: whether it hides its online / last-seen state, whom it
 * blocks, and who may add it to groups. Shared between callers: never modified. The contact list that
 * {@link GroupAdds#CONTACTS} refers to is not here: it is read only when someone adds the account to a group.
 *
 * @param version the compare-and-set version of its row (0: no row yet)
 */
public record Privacy(int version, boolean lastSeenHidden, Set<UUID> blocked, GroupAdds groupAdds)
        implements Serializable {
    static final Privacy DEFAULT = new Privacy(0, false, Set.of(), GroupAdds.EVERYONE);

    /** Who may add the account to groups; stored as the ordinal. */
    public enum GroupAdds {
        EVERYONE, CONTACTS, NOBODY
    }

    public Privacy {
        blocked = Set.copyOf(blocked);
    }

    public boolean blocks(UUID account) {
        return blocked.contains(account);
    }

    Privacy next(boolean hidden, Set<UUID> blockedNext, GroupAdds groupAddsNext) {
        return new Privacy(version + 1, hidden, blockedNext, groupAddsNext);
    }
}
