package io.courier.presence;

import java.util.UUID;
import java.util.function.Function;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.cluster.BoundedMaps;
import io.courier.cluster.LoadThroughCache;
import io.courier.cluster.NearCachedMaps;
import reactor.core.publisher.Mono;

/**
 * Whether an account is on another's contact list, read on hot paths (every presence event between accounts that
 * show their presence to contacts only, the default): each account's list in a Hazelcast near cache on every node,
 * loaded through from CQL when a setting first needs it and invalidated by SetContacts. As in
 * {@link PrivacyDirectory}, only accounts with a registered device are cached: an id a caller names that names
 * nobody has no contacts, stores nothing and costs no database read.
 */
final class ContactDirectory {
    static final String MAP = "courier-contacts";
    /** Bounds a missed invalidation, as for the privacy settings. */
    private static final int TTL_SECONDS = 600;
    /**
     * Per node. A list is 16 bytes a contact: a few KB for an address book, 80 KB at the default bound of 5,000, so
     * 2,000 lists take 160 MB at worst (any account may fill its list).
     */
    private static final int NEAR_CACHE_ENTRIES = 2_000;
    /** The heap each member's own entries may take (as much again for backups): bounded by size, not count. */
    private static final int MIB_PER_MEMBER = 128;

    private final LoadThroughCache<UUID, ContactList> cache;

    /**
     * @param registered whether an account has a registered device (near-cached; unknown ids are not cached)
     * @param maxContacts the most contacts SetContacts keeps, so a list is read in one page
     */
    ContactDirectory(HazelcastInstance hazelcast, PrivacyStore store, Function<UUID, Mono<Boolean>> registered,
            int maxContacts) {
        this.cache = new LoadThroughCache<>(hazelcast, MAP, account -> registered.apply(account)
                .flatMap(exists -> exists ? store.contacts(account, maxContacts).map(ContactList::of)
                        : Mono.empty()));
    }

    static MapConfig mapConfig() {
        return BoundedMaps.lruByHeap(NearCachedMaps.unbounded(MAP, TTL_SECONDS, NEAR_CACHE_ENTRIES), MIB_PER_MEMBER);
    }

    /** Whether {@code contact} is on {@code owner}'s contact list: one near-cache read once loaded. */
    Mono<Boolean> has(UUID owner, UUID contact) {
        return cache.get(owner).map(list -> list.has(contact)).defaultIfEmpty(false);
    }

    /** Call after the list's database write completed. */
    Mono<Void> invalidate(UUID owner) {
        return cache.invalidate(owner);
    }
}
