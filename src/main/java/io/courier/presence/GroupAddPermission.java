package io.courier.presence;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Whether an account lets another add it to groups: never if it blocks the adder; otherwise as its setting says
 * (everyone, its contacts, nobody). Settings and contact lists come from near caches; a contact list is read only
 * for accounts that allow their contacts alone.
 */
public final class GroupAddPermission {
    /** Contact-list loads in flight per check (a group is created with up to 1023 others). */
    private static final int READS_IN_FLIGHT = 32;

    private final PrivacyDirectory directory;

    GroupAddPermission(PrivacyDirectory directory) {
        this.directory = directory;
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
        return directory.of(account).flatMap(privacy -> privacy.blocks(adder) ? Mono.just(false)
                : directory.admits(account, privacy.groupAdds(), adder));
    }
}
