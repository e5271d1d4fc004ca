package io.courier.client;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AddMembersRequest;
import io.courier.api.v1.Content;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.JoinGroupByLinkRequest;
import io.courier.api.v1.RevokeInviteLinkRequest;
import io.courier.api.v1.CreateInviteLinkRequest;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.DemoteAdminsRequest;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.LeaveGroupRequest;
import io.courier.api.v1.PromoteAdminsRequest;
import io.courier.api.v1.RemoveMembersRequest;
import io.courier.api.v1.SenderKeyRequest;
import io.courier.api.v1.SyncMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Groups: membership calls and events (the newest membership seen is whom group messages are encrypted for), and
 * messaging with Sender Keys — this device's key distributed 1:1 to member devices that lack it before a send, other
 * senders' keys kept as they arrive and asked for when a message can't be read. The behaviour of the public calls is
 * documented on {@link CourierClient}, which delegates here.
 */
final class Groups {
    /** Sender Key distributions (1:1 sends) in flight at once when a group send needs them. */
    private static final int DISTRIBUTIONS_IN_FLIGHT = 32;
    /** How often one sender is asked for its key for one group, at most. */
    private static final long KEY_REQUEST_INTERVAL_MS = 60_000;
    /** Sender/group pairs recently asked for a key, bounded (the eldest goes). */
    private static final int KEY_REQUESTS = 256;

    private final Calls calls;
    private final ClientStore store;
    private final GroupState groupState;
    private final Sessions sessions;
    private final Outbox outbox;
    private final Acks acks;
    private final Supplier<Credentials> credentials;
    private final Sinks.Many<GroupEvent> events = Sinks.many().multicast().onBackpressureBuffer(1024, false);
    /** When each sender was last asked for its key for a group (key "sender/group"). Guarded by itself. */
    private final Map<String, Long> keyRequests = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > KEY_REQUESTS;
        }
    };

    Groups(Calls calls, ClientStore store, GroupState groupState, Sessions sessions, Outbox outbox, Acks acks,
            Supplier<Credentials> credentials) {
        this.calls = calls;
        this.store = store;
        this.groupState = groupState;
        this.sessions = sessions;
        this.outbox = outbox;
        this.acks = acks;
        this.credentials = credentials;
    }

    // --- membership ---

    Mono<Group> create(Collection<UUID> members, byte[] encryptedAttributes) {
        return groupCall(() -> calls.groups().createGroup(CreateGroupRequest.newBuilder()
                .addAllMemberAccountIds(WireIds.bytes(members))
                .setEncryptedAttributes(ByteString.copyFrom(encryptedAttributes)).build()).getGroup());
    }

    Mono<Group> addMembers(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().addMembers(AddMembersRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId))
                .addAllAccountIds(WireIds.bytes(accounts)).build()).getGroup());
    }

    Mono<Group> removeMembers(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().removeMembers(RemoveMembersRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).addAllAccountIds(WireIds.bytes(accounts)).build()).getGroup());
    }

    Mono<Group> promoteAdmins(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().promoteAdmins(PromoteAdminsRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).addAllAccountIds(WireIds.bytes(accounts)).build()).getGroup());
    }

    Mono<Group> demoteAdmins(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().demoteAdmins(DemoteAdminsRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).addAllAccountIds(WireIds.bytes(accounts)).build()).getGroup());
    }

    Mono<Void> leave(UUID groupId) {
        return calls.call(() -> calls.groups().leaveGroup(LeaveGroupRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).build())).then();
    }

    Mono<byte[]> createInviteLink(UUID groupId) {
        return calls.call(() -> calls.groups().createInviteLink(CreateInviteLinkRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).build()).getInviteToken().toByteArray());
    }

    Mono<Void> revokeInviteLink(UUID groupId) {
        return calls.call(() -> calls.groups().revokeInviteLink(RevokeInviteLinkRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).build())).then();
    }

    Mono<Group> joinByLink(byte[] inviteToken) {
        return groupCall(() -> calls.groups().joinGroupByLink(JoinGroupByLinkRequest.newBuilder()
                .setInviteToken(ByteString.copyFrom(inviteToken)).build()).getGroup());
    }

    Mono<Group> get(UUID groupId) {
        return groupCall(() -> calls.groups().getGroup(GetGroupRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).build()).getGroup());
    }

    Flux<GroupEvent> events() {
        return events.asFlux();
    }

    void onEvent(GroupEvent event) {
        groupState.remember(event.getGroup());
        events.tryEmitNext(event);
        acks.ack(event.getServerId());
    }

    /** A group call whose result is kept as the newest membership known (whom group messages are encrypted for). */
    private Mono<Group> groupCall(Callable<Group> work) {
        return calls.call(work).doOnNext(groupState::remember);
    }

    /** The newest membership this device knows (from events and call results), asked of the server if none. */
    private Group membership(UUID groupId) {
        return groupState.group(groupId).orElseGet(() -> {
            Group group = calls.groups().getGroup(GetGroupRequest.newBuilder().setGroupId(WireIds.bytes(groupId))
                    .build()).getGroup();
            groupState.remember(group);
            return group;
        });
    }

    // --- Sender Keys ---

    /** Encrypts once with this device's Sender Key, distributing it first to member accounts that lack it. */
    Mono<SentMessage> send(UnsentMessage unsent) {
        UUID groupId = unsent.destination();
        DataMessage message = unsent.message();
        byte[] content = Plaintext.seal(Content.newBuilder().setDataMessage(message).build());
        return calls.call(() -> groupSessions().prepare(groupId, GroupState.accounts(membership(groupId)),
                sessions::devicesWithSessions))
                .flatMap(plan -> Flux.fromIterable(plan.lacking())
                        .flatMap(account -> distribute(plan, account), DISTRIBUTIONS_IN_FLIGHT)
                        .then(calls.call(() -> new PendingSend.ToGroup(groupId,
                                groupSessions().encrypt(plan.distributionId(), content), plan.recipients()))))
                .flatMap(target -> outbox.submit(unsent.clientMessageId(), target, Outbox.transcript(message,
                        SyncMessage.Sent.newBuilder().setGroupId(WireIds.bytes(groupId))),
                        Disappearing.serverCap(message)));
    }

    /** Sends this device's Sender Key to every device of {@code account}, and records who holds it once stored. */
    private Mono<SentMessage> distribute(GroupSessions.Plan plan, UUID account) {
        return outbox.sendInternal(account, plan.distribution())
                .doOnNext(sent -> groupState.addHolders(plan.groupId(), plan.distributionId(), account,
                        sessions.devicesWithSessions(account)));
    }

    /** Throws NoSessionException when the sender's key for this message never reached this device. */
    byte[] decrypt(UUID sender, int senderDevice, byte[] ciphertext) throws Exception {
        return groupSessions().decrypt(sender, senderDevice, ciphertext);
    }

    /** Keeps a key another member's device distributed: its group messages decrypt from now on. */
    void process(UUID sender, int senderDevice, byte[] distributionMessage) throws Exception {
        groupSessions().process(sender, senderDevice, distributionMessage);
    }

    /**
     * This device lacks a group sender's key (it was linked or reinstalled after the key went out): asks the sender,
     * whose next group send then distributes the key to every device of this account. Messages before that stay
     * unreadable here (a Sender Key chain only runs forward). At most once per sender and group per
     * {@value #KEY_REQUEST_INTERVAL_MS} ms.
     */
    void requestSenderKey(UUID sender, UUID groupId) {
        long now = System.currentTimeMillis();
        synchronized (keyRequests) {
            Long last = keyRequests.get(sender + "/" + groupId);
            if (last != null && now - last < KEY_REQUEST_INTERVAL_MS) {
                return;
            }
            keyRequests.put(sender + "/" + groupId, now);
        }
        outbox.sendInternalQuietly(sender, Content.newBuilder().setSenderKeyRequest(SenderKeyRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId))).build(), "sender key request");
    }

    /** A member's device lacks this device's key for the group: the next send distributes it to that account. */
    void onSenderKeyRequest(UUID requester, SenderKeyRequest request) {
        if (request.getGroupId().size() != Uuids.BYTES) {
            return;
        }
        UUID groupId = WireIds.uuid(request.getGroupId());
        if (groupState.group(groupId).map(g -> GroupState.accounts(g).contains(requester)).orElse(false)) {
            groupState.forgetHolders(groupId, requester);
        }
    }

    /** A new one each time: its address is this device's, known only once registered. */
    private GroupSessions groupSessions() {
        Credentials me = credentials.get();
        return new GroupSessions(store, groupState, SessionCrypto.address(me.accountId(), me.deviceId()));
    }
}
