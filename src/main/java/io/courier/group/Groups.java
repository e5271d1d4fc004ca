package io.courier.group;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.function.Function;

import com.google.protobuf.ByteString;

import io.courier.api.v1.Group;
import io.courier.api.v1.GroupEvent;
import io.courier.cluster.RateLimiter;
import io.courier.cluster.ServerIds;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.courier.keys.KeyDirectory;
import io.courier.presence.GroupAddPermission;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Group membership: every change is computed from the stored group, written with a compare-and-set on its version
 * (retried a few times if another change won), written through to the near cache, and delivered as a GroupEvent to
 * every device of every account that was a member before or after it, through a durable fan-out job.
 */
public final class Groups {
    private static final int MAX_ATTEMPTS = 5;
    /** Accounts checked for existence in parallel. */
    private static final int LOOKUPS_IN_FLIGHT = 64;
    /** Accounts a PERMISSION_DENIED for group adds names at most. */
    private static final int NAMED_REFUSALS = 10;

    /** A membership change as a rule: the state before, the caller and the accounts named → the state after. */
    @FunctionalInterface
    interface Change {
        GroupState apply(GroupState before, UUID caller, List<UUID> accounts);
    }

    /** Groups an account leaves at once when it is deleted. */
    private static final int LEAVES_IN_FLIGHT = 8;

    private final GroupStore store;
    private final MemberIndex index;
    private final CreatedGroups created;
    private final GroupCache cache;
    private final MembershipRules rules;
    private final FanoutScheduler fanout;
    private final KeyDirectory keys;
    private final GroupAddPermission addPermission;
    private final RateLimiter limiter;
    private final ServerIds serverIds;
    private final GroupConfig config;
    private final Clock clock;

    Groups(GroupStore store, MemberIndex index, CreatedGroups created, GroupCache cache, FanoutScheduler fanout,
            KeyDirectory keys, GroupAddPermission addPermission, RateLimiter limiter, ServerIds serverIds,
            GroupConfig config, Clock clock) {
        this.store = store;
        this.index = index;
        this.created = created;
        this.cache = cache;
        this.rules = new MembershipRules(config.maxMembers());
        this.fanout = fanout;
        this.keys = keys;
        this.addPermission = addPermission;
        this.limiter = limiter;
        this.serverIds = serverIds;
        this.config = config;
        this.clock = clock;
    }

    /**
     * A new group with the caller as its admin and {@code memberIds} as members. Costs a unit of the account's
     * creation budget, then takes one of the groups it may keep (refused: nothing is written).
     */
    public Mono<GroupState> create(AuthenticatedDevice caller, List<ByteString> memberIds, ByteString attributes) {
        if (attributes.size() > config.maxAttributesBytes()) {
            throw Rejections.invalidArgument("encrypted_attributes has " + attributes.size() + " bytes; the limit is "
                    + config.maxAttributesBytes());
        }
        if (memberIds.size() >= config.maxMembers()) {
            throw Rejections.failedPrecondition("a group has at most " + config.maxMembers()
                    + " members, the creator included; " + memberIds.size() + " others were named");
        }
        List<UUID> others = accounts(memberIds, "member_account_ids");
        UUID groupId = UUID.randomUUID();
        UUID me = caller.accountId();
        return limiter.acquire(config.creations(), me.toString())
                .then(requireKnown(others))
                .then(requireAddable(me, others))
                .then(created.reserve(me, groupId))
                .flatMap(reservedAt -> {
                    GroupState group = rules.create(groupId, me, others, attributes.toByteArray(), clock.instant());
                    FanoutJob.EventJob job = eventJob(null, Optional.of(group), me);
                    // Until the group's write is issued, a failure means it was never written: its index entries
                    // and the reservation go back. A failed write keeps both (it may have landed), the reservation
                    // for the cap's check to look at. Entries left by a failed clean-up are only stale ones, which
                    // account deletion skips (the group does not exist): the create's own error is what counts.
                    return fanout.record(job).then(index.added(group.id(), group.memberIds()))
                            .then(Mono.defer(() -> created.writable(reservedAt) ? Mono.empty()
                                    : fanout.discard(job).then(Mono.error(Rejections.unavailable(
                                            "creating the group took too long; retry")))))
                            .onErrorResume(e -> index.neverWritten(group.id(), group.memberIds())
                                    .onErrorResume(stale -> Mono.empty())
                                    .then(created.release(me, groupId)).then(Mono.error(e)))
                            .then(store.insert(group, job.jobId())).flatMap(inserted -> inserted
                            ? published(job, Optional.of(group), null).thenReturn(group)
                            : fanout.discard(job).then(created.release(me, groupId))
                                    .then(Mono.error(Rejections.aborted("group id collision; retry"))));
                });
    }

    public Mono<GroupState> add(AuthenticatedDevice caller, ByteString groupId, List<ByteString> accountIds) {
        Instant now = clock.instant();
        return change(caller, groupId, accountIds, true, (g, c, a) -> rules.add(g, c, a, now));
    }

    public Mono<GroupState> remove(AuthenticatedDevice caller, ByteString groupId, List<ByteString> accountIds) {
        return change(caller, groupId, accountIds, false, rules::remove);
    }

    public Mono<GroupState> promote(AuthenticatedDevice caller, ByteString groupId, List<ByteString> accountIds) {
        return change(caller, groupId, accountIds, false, rules::promote);
    }

    public Mono<GroupState> demote(AuthenticatedDevice caller, ByteString groupId, List<ByteString> accountIds) {
        return change(caller, groupId, accountIds, false, rules::demote);
    }

    /** The caller leaves; the last member leaving deletes the group. */
    public Mono<Void> leave(AuthenticatedDevice caller, ByteString groupIdBytes) {
        UUID groupId = Ids.uuid(groupIdBytes, "group_id");
        return limiter.acquire(config.changes(), caller.accountId().toString())
                .then(Mono.defer(() -> attempt(groupId, caller.accountId(), before -> rules.leave(before,
                        caller.accountId()), 1)))
                .then();
    }

    /** The caller joins the group ({@link InviteLinks} checked its link and charged its budget). */
    Mono<GroupState> join(AuthenticatedDevice caller, UUID groupId) {
        UUID me = caller.accountId();
        Instant now = clock.instant();
        return attempt(groupId, me, before -> Optional.of(rules.join(before, me, now)), 1).map(Optional::get);
    }

    /**
     * A deleted account leaves every group it is in, as if it had called {@link #leave} (unlimited: it is the
     * server's doing); groups that are gone or that it already left are skipped. Then its index entries go, and
     * the groups it created no longer count against it.
     */
    Mono<Void> leaveAll(UUID account) {
        // One group that keeps failing must not cancel the others' leaves: they all run, then the first error
        // (if any) fails the deletion step; the index stays for the deletion's resumption.
        return index.groupsOf(account)
                .flatMapDelayError(groupId -> attempt(groupId, account, before -> before.member(account).isPresent()
                        ? rules.leave(before, account) : Optional.of(before), 1)
                        .onErrorResume(Rejections::isNotFound, gone -> Mono.empty()),
                        LEAVES_IN_FLIGHT, 1)
                .then(index.forget(account))
                .then(created.forget(account));
    }

    /**
     * Members only; served from the near cache. Costs a unit of the account's read budget first: an id that is not
     * cached (a random one included) costs a database read.
     */
    public Mono<GroupState> get(AuthenticatedDevice caller, ByteString groupIdBytes) {
        UUID groupId = Ids.uuid(groupIdBytes, "group_id");
        return limiter.acquire(config.reads(), caller.accountId().toString())
                .then(cache.get(groupId))
                .switchIfEmpty(Mono.error(() -> notFound()))
                .doOnNext(group -> rules.requireMember(group, caller.accountId()));
    }

    private Mono<GroupState> change(AuthenticatedDevice caller, ByteString groupIdBytes, List<ByteString> accountIds,
            boolean mustExist, Change change) {
        UUID groupId = Ids.uuid(groupIdBytes, "group_id");
        if (accountIds.isEmpty()) {
            throw Rejections.invalidArgument("account_ids is empty: name at least one account");
        }
        if (accountIds.size() > config.maxMembers()) {
            throw Rejections.invalidArgument("at most " + config.maxMembers() + " account_ids per call");
        }
        List<UUID> accounts = accounts(accountIds, "account_ids");
        UUID me = caller.accountId();
        return limiter.acquire(config.changes(), me.toString())
                .then(mustExist ? requireKnown(accounts).then(requireAddable(me, accounts)) : Mono.empty())
                .then(Mono.defer(() -> attempt(groupId, me, before -> Optional.of(change.apply(before, me, accounts)),
                        1)))
                .map(Optional::get);
    }

    /**
     * Applies {@code rule} to the stored group and writes the result if nobody changed the group meanwhile (else
     * reads it again). The change's event job is recorded first, so no change happens without its event reaching
     * every member. Completes with the group after the change; empty optional when the group was deleted.
     */
    private Mono<Optional<GroupState>> attempt(UUID groupId, UUID caller,
            Function<GroupState, Optional<GroupState>> rule, int attempt) {
        return store.read(groupId)
                .switchIfEmpty(Mono.error(() -> notFound()))
                .flatMap(stored -> {
                    GroupState before = stored.group();
                    Optional<GroupState> after = rule.apply(before);
                    if (after.isPresent() && after.get().version() == before.version()) {
                        return Mono.just(after); // nothing changes: no write, no event
                    }
                    FanoutJob.EventJob job = eventJob(before, after, caller);
                    Mono<Boolean> write = after.isPresent() ? store.update(stored, after.get(), job.jobId())
                            : store.delete(groupId, before.version());
                    // The index only grows (account deletion clears it): removing entries after the write could
                    // race a later change that adds the account again and delete that change's entry.
                    List<UUID> added = after.map(GroupState::memberIds).orElse(Set.of()).stream()
                            .filter(a -> before.member(a).isEmpty()).toList();
                    return fanout.record(job).then(index.added(groupId, added)).then(write).flatMap(applied -> {
                        if (applied) {
                            return published(job, after, before).thenReturn(after);
                        }
                        return fanout.discard(job).then(attempt < MAX_ATTEMPTS
                                ? attempt(groupId, caller, rule, attempt + 1)
                                : Mono.error(Rejections.aborted("the group kept changing under this call; retry")));
                    });
                });
    }

    /** The event of a change for every member before and after it, to be recorded before the change is written. */
    private FanoutJob.EventJob eventJob(GroupState before, Optional<GroupState> after, UUID caller) {
        UUID groupId = after.isPresent() ? after.get().id() : before.id();
        Set<UUID> was = before == null ? Set.of() : before.memberIds();
        Set<UUID> is = after.map(GroupState::memberIds).orElse(Set.of());
        Set<UUID> everyone = new LinkedHashSet<>(was);
        everyone.addAll(is);
        return new FanoutJob.EventJob(groupId, serverIds.next(), event(before, after, caller, was, is).toByteArray(),
                List.copyOf(everyone));
    }

    /** After the CQL write: the near cache, then the recorded event job starts ({@code before} null on creation). */
    private Mono<Void> published(FanoutJob.EventJob job, Optional<GroupState> after, GroupState before) {
        Mono<Void> cached = after.isPresent() ? cache.changed(after.get()) : cache.deleted(job.groupId(),
                before.version());
        return cached.then(Mono.fromRunnable(() -> fanout.start(job)));
    }

    private GroupEvent event(GroupState before, Optional<GroupState> after, UUID caller, Set<UUID> was,
            Set<UUID> is) {
        Group group = after.map(GroupState::toProto).orElseGet(() -> Group.newBuilder()
                .setGroupId(Ids.bytes(before.id())).setVersion(before.version() + 1).build());
        GroupEvent.Builder event = GroupEvent.newBuilder().setGroup(group).setChangedByAccountId(Ids.bytes(caller))
                .setTimestampMs(clock.millis());
        is.stream().filter(a -> !was.contains(a)).forEach(a -> event.addAddedAccountIds(Ids.bytes(a)));
        was.stream().filter(a -> !is.contains(a)).forEach(a -> event.addRemovedAccountIds(Ids.bytes(a)));
        return event.build();
    }

    /** Fails NOT_FOUND naming the first account that does not exist (has no device that can receive messages). */
    private Mono<Void> requireKnown(List<UUID> accounts) {
        return Flux.fromIterable(accounts)
                .flatMap(a -> Mono.fromCompletionStage(() -> keys.registrations(a)).filter(Map::isEmpty)
                        .map(none -> a), LOOKUPS_IN_FLIGHT)
                .next()
                .flatMap(unknown -> Mono.error(Rejections.notFound("account " + unknown
                        + " does not exist or has no device that can receive messages")));
    }

    /**
     * Fails PERMISSION_DENIED naming (the first few of) the accounts whose settings don't let {@code adder} add them:
     * they block the adder, allow only their contacts, or nobody. Checked before anything is written.
     */
    private Mono<Void> requireAddable(UUID adder, List<UUID> accounts) {
        return addPermission.refusing(adder, accounts).flatMap(refusing -> refusing.isEmpty() ? Mono.empty()
                : Mono.error(Rejections.permissionDenied(refusing.size() + " of the accounts don't let you add them"
                        + " to groups (their privacy settings): " + refusing.stream().limit(NAMED_REFUSALS)
                                .map(UUID::toString).collect(Collectors.joining(", "))
                        + (refusing.size() > NAMED_REFUSALS ? ", …" : "") + "; nothing was changed")));
    }

    private static List<UUID> accounts(List<ByteString> ids, String field) {
        List<UUID> accounts = new ArrayList<>(ids.size());
        ids.forEach(id -> accounts.add(Ids.uuid(id, field)));
        return accounts;
    }

    private static RuntimeException notFound() {
        return Rejections.notFound("the group does not exist");
    }
}
