package io.courier.presence;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

import io.courier.presence.Privacy.GroupAdds;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Whether an account lets another add it to groups: never if it blocks the adder; otherwise as its setting says
 * (everyone, its contacts, nobody). Settings come from the near cache; a contact list is read only for accounts
 * that allow their contacts alone.
 */
public final class GroupAddPermission {
    /** Contact-list reads in flight per check (a group is created with up to 1023 others). */
    private static final int READS_IN_FLIGHT = 32;

    private final PrivacyDirectory directory;
    private final PrivacyStore store;

    GroupAddPermission(PrivacyDirectory directory, PrivacyStore store) {
        this.directory = directory;
        this.store = store;
    }

    /** The accounts among {@code accounts} that don't let {@code adder} add them, in the order given. */
    public Mono<List<UUID>> refusing(UUID adder, Collection<UUID> accounts) {
        return Flux.fromIterable(accounts)
                .filter(account -> !account.equals(adder))
                .flatMapSequential(account -> allows(account, adder).filter(allowed -> !allowed).map(no -> account),
                        READS_IN_FLIGHT)
                .collectList();
    }

    private Mono<Boolean> allows(UUID account, UUID adder) {
        return directory.of(account).flatMap(privacy -> {
            if (privacy.blocks(adder) || privacy.groupAdds() == GroupAdds.NOBODY) {
                return Mono.just(false);
            }
            return privacy.groupAdds() == GroupAdds.EVERYONE ? Mono.just(true) : store.hasContact(account, adder);
        });
    }
}
