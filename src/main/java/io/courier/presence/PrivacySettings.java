package io.courier.presence;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import com.google.protobuf.ByteString;

import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.courier.keys.KeyDirectory;
import io.courier.presence.Privacy.Audience;
import io.courier.presence.PrivacyStore.Change;
import reactor.core.publisher.Mono;

/**
 * Block, unblock, say who sees the account's presence and who may add it to groups, and keep its contact list, for
 * the caller's account (any of its devices: they are the same user's). Each settings change is a compare-and-set on
 * the account's row, so the block-list bound holds under concurrent blocks; then the cached settings are invalidated
 * on every node and live presence subscriptions of both accounts are refreshed. The contact list is a table of its
 * own, cached apart ({@link ContactDirectory}).
 */
final class PrivacySettings {
    /** Compare-and-set attempts before giving up (only concurrent changes of one account make one fail). */
    private static final int ATTEMPTS = 5;

    private final PrivacyStore store;
    private final PrivacyDirectory directory;
    private final ContactDirectory contacts;
    private final OnlineWatch watch;
    private final KeyDirectory keys;
    private final RateLimiter limiter;
    private final RateLimit changes;
    private final int maxBlocked;
    private final int maxContacts;

    PrivacySettings(PrivacyStore store, PrivacyDirectory directory, ContactDirectory contacts, OnlineWatch watch,
            KeyDirectory keys, RateLimiter limiter, RateLimit changes, int maxBlocked, int maxContacts) {
        this.store = store;
        this.directory = directory;
        this.contacts = contacts;
        this.watch = watch;
        this.keys = keys;
        this.limiter = limiter;
        this.changes = changes;
        this.maxBlocked = maxBlocked;
        this.maxContacts = maxContacts;
    }

    Mono<Void> block(AuthenticatedDevice caller, ByteString accountId) {
        UUID other = other(caller, accountId);
        return limiter.acquire(changes, caller.accountId().toString())
                .then(Mono.fromCompletionStage(() -> keys.registrations(other)))
                .flatMap(devices -> devices.isEmpty()
                        ? Mono.error(Rejections.notFound("no account with devices has this account_id"))
                        : change(caller.accountId(), current -> {
                            if (current.blocks(other)) {
                                return null;
                            }
                            if (current.blocked().size() >= maxBlocked) {
                                throw Rejections.resourceExhausted("the block list is full: at most " + maxBlocked
                                        + " accounts; unblock some first");
                            }
                            return new Change.Block(other);
                        }))
                .then(refresh(caller.accountId(), other));
    }

    Mono<Void> unblock(AuthenticatedDevice caller, ByteString accountId) {
        UUID other = other(caller, accountId);
        return limiter.acquire(changes, caller.accountId().toString())
                .then(change(caller.accountId(), current -> current.blocks(other) ? new Change.Unblock(other) : null))
                .then(refresh(caller.accountId(), other));
    }

    /** Who sees the caller's presence; it also decides whom the caller sees (both ways). */
    Mono<Void> showPresence(AuthenticatedDevice caller, Audience to) {
        return limiter.acquire(changes, caller.accountId().toString())
                .then(change(caller.accountId(),
                        current -> current.presence() == to ? null : new Change.ShowPresence(to)))
                .then(refreshBothWays(caller.accountId()));
    }

    Mono<Void> allowGroupAdds(AuthenticatedDevice caller, Audience who) {
        return limiter.acquire(changes, caller.accountId().toString())
                .then(change(caller.accountId(),
                        current -> current.groupAdds() == who ? null : new Change.AllowAdds(who)));
    }

    /** Replaces the caller's contact list (checked by the presence and group-add settings that name contacts). */
    Mono<Void> replaceContacts(AuthenticatedDevice caller, List<ByteString> accountIds) {
        Set<UUID> listed = new HashSet<>();
        accountIds.forEach(id -> listed.add(Ids.uuid(id, "account_ids")));
        if (listed.size() > maxContacts) {
            throw Rejections.invalidArgument("account_ids names " + listed.size()
                    + " accounts; a contact list holds at most " + maxContacts);
        }
        return limiter.acquire(changes, caller.accountId().toString())
                .then(store.replaceContacts(caller.accountId(), listed))
                .then(contacts.invalidate(caller.accountId()))
                .then(refreshBothWays(caller.accountId()));
    }

    /** The caller's settings, from the near cache (its own changes invalidated it before they returned). */
    Mono<Privacy> get(AuthenticatedDevice caller) {
        return directory.of(caller.accountId());
    }

    /**
     * Applies what {@code decide} makes of the current row (null: nothing to change), with a compare-and-set; read
     * again and retried when another change of the account won.
     */
    private Mono<Void> change(UUID account, Function<Privacy, Change> decide) {
        return store.read(account).flatMap(current -> {
            Change change = decide.apply(current);
            return change == null ? Mono.just(true) : store.change(account, current, change);
        }).flatMap(applied -> applied ? Mono.just(true) : Mono.empty())
                .repeatWhenEmpty(ATTEMPTS - 1, repeats -> repeats)
                .switchIfEmpty(Mono.error(Rejections.aborted("privacy settings changed concurrently; try again")))
                .then(directory.invalidate(account));
    }

    /** Live subscriptions of and to the account show what they may see now. */
    private Mono<Void> refreshBothWays(UUID account) {
        return Mono.defer(() -> watch.refresh(account).and(watch.refreshViewsOf(account)));
    }

    private Mono<Void> refresh(UUID account, UUID other) {
        return Mono.defer(() -> watch.refresh(account).and(watch.refresh(other)));
    }

    private static UUID other(AuthenticatedDevice caller, ByteString accountId) {
        UUID other = Ids.uuid(accountId, "account_id");
        if (other.equals(caller.accountId())) {
            throw Rejections.invalidArgument("an account can't block itself");
        }
        return other;
    }
}
