package io.courier.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import com.google.protobuf.ByteString;

import org.signal.libsignal.protocol.NoSessionException;

import io.courier.api.v1.AddMembersRequest;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.Content;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.DemoteAdminsRequest;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.LeaveGroupRequest;
import io.courier.api.v1.PromoteAdminsRequest;
import io.courier.api.v1.PushPlatform;
import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.GetPrivacyRequest;
import io.courier.api.v1.PresenceEvent;
import io.courier.api.v1.PresenceSubscribe;
import io.courier.api.v1.Read;
import io.courier.api.v1.SenderKeyRequest;
import io.courier.api.v1.SessionAck;
import io.courier.api.v1.SetLastSeenHiddenRequest;
import io.courier.api.v1.SyncMessage;
import io.courier.api.v1.UnblockRequest;
import io.courier.api.v1.Typing;
import io.courier.api.v1.TypingEvent;
import io.courier.api.v1.RemoveMembersRequest;
import io.grpc.Channel;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * A Courier device: registers or links, keeps its keys topped up, holds one stream with reconnects, encrypts every
 * message per destination device with libsignal and decrypts what arrives. Reactive: a {@link Mono} per send, a
 * {@link Flux} of incoming messages and of tick changes.
 *
 * <p>Incoming messages are acked once every {@link #incoming()} subscriber's {@code onNext} has returned: the app has
 * the message. Demand is honoured, so an app that takes messages slowly holds their acks back; the server's window of
 * un-acked deliveries then fills and it stops sending. Until the app has them, decrypted messages are kept in the
 * {@link ClientStore}: a client that dies first hands them over on its next run. Nothing is acked while nobody
 * listens.
 */
public final class CourierClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CourierClient.class.getName());
    /** How long a receipt's ack may wait for company (see {@link Acks#ackReceipt}). */
    public static final Duration RECEIPT_ACK_DELAY = Duration.ofSeconds(10);
    /** Far above the server's window (256): reached only if a server ignores it. */
    private static final int MAX_UNHANDLED = 1024;
    /** Sender Key distributions (1:1 sends) in flight at once when a group send needs them. */
    private static final int DISTRIBUTIONS_IN_FLIGHT = 32;
    /** How often one sender is asked for its key for one group, at most. */
    private static final long KEY_REQUEST_INTERVAL_MS = 60_000;
    /** Sender/group pairs recently asked for a key, bounded (the eldest goes). */
    private static final int KEY_REQUESTS = 256;
    /** The server's bound on accounts per presence subscription (courier.presence.max-subscriptions). */
    private static final int MAX_PRESENCE_SUBSCRIPTIONS = 256;

    private final ClientStore store;
    private final Calls calls;
    private final Accounts accounts;
    private final Connection connection;
    private final Acks acks;
    private final Ticks ticks;
    private final Sessions sessions;
    private final Outbox outbox;
    private final IncomingQueue incoming;
    /** Ephemeral: a subscriber that falls 256 behind loses indicators, as the server drops them for a slow stream. */
    private final Sinks.Many<TypingIndicator> typing = Sinks.many().multicast().onBackpressureBuffer(256, false);
    private final Sinks.Many<PresenceUpdate> presence = Sinks.many().multicast().onBackpressureBuffer(1024, false);
    /** The accounts whose presence this device follows; sent again on every new stream. */
    private volatile List<UUID> presenceSubscription = List.of();
    private final Sinks.Many<GroupEvent> groupEvents = Sinks.many().multicast().onBackpressureBuffer(1024, false);
    private final GroupState groupState;

    /** When each sender was last asked for its key for a group (key "sender/group"). Guarded by itself. */
    private final Map<String, Long> keyRequests = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > KEY_REQUESTS;
        }
    };

    private CourierClient(Channel channel, ClientStore store) {
        this.store = store;
        this.calls = new Calls(channel, this::credentials);
        this.accounts = new Accounts(calls, store);
        this.connection = new Connection(calls, this::onFrame, this::streamOpened, this::appHasRoom);
        this.acks = new Acks(connection::write, Schedulers.parallel(), RECEIPT_ACK_DELAY);
        this.groupState = new GroupState(store);
        this.ticks = new Ticks(groupState, acks, calls);
        this.sessions = new Sessions(store, calls, this::credentials);
        this.outbox = new Outbox(calls.blocking(), sessions, connection::write, ticks::onSent);
        this.incoming = new IncomingQueue(store.unhandled(), MAX_UNHANDLED, this::handled);
    }

    public static CourierClient create(Channel channel, ClientStore store) {
        return new CourierClient(channel, store);
    }

    public Credentials credentials() {
        return store.credentials().orElseThrow(
                () -> new IllegalStateException("this device is not registered or linked yet"));
    }

    // --- accounts and keys ---

    public Mono<Void> requestVerificationCode(String phoneNumber) {
        return accounts.requestVerificationCode(phoneNumber);
    }

    /** Registers this device as the number's primary and uploads its keys. */
    public Mono<Credentials> register(String phoneNumber, String verificationCode, String deviceName) {
        return register(phoneNumber, verificationCode, deviceName, "");
    }

    /**
     * Registers with the number's Registration Lock PIN (needed while the number's devices were active in the last
     * 7 days; the account then keeps its id). A missing PIN fails with FAILED_PRECONDITION and the code stays valid.
     */
    public Mono<Credentials> register(String phoneNumber, String verificationCode, String deviceName,
            String registrationLockPin) {
        return accounts.register(phoneNumber, verificationCode, deviceName, registrationLockPin);
    }

    /** Sets or replaces the account's Registration Lock PIN (primary only; 4 to 64 characters). */
    public Mono<Void> setRegistrationLock(String pin) {
        return accounts.setRegistrationLock(pin);
    }

    /** Removes the account's Registration Lock (primary only). */
    public Mono<Void> clearRegistrationLock() {
        return accounts.clearRegistrationLock();
    }

    /**
     * Registers (or replaces) this device's push token, so the server wakes the app with a content-free push when
     * something arrives while it has no stream. {@code platform} is {@code PUSH_PLATFORM_APNS} (hex device token)
     * or {@code PUSH_PLATFORM_FCM} (registration token).
     */
    public Mono<Void> setPushToken(PushPlatform platform, String token) {
        return accounts.setPushToken(platform, token);
    }

    /** Stops wake-ups for this device. */
    public Mono<Void> clearPushToken() {
        return accounts.clearPushToken();
    }

    /** Links this device to an account with a code from its primary, and uploads its keys. */
    public Mono<Credentials> link(String linkCode, String deviceName) {
        return accounts.link(linkCode, deviceName);
    }

    /** A code for linking another device (primary only). */
    public Mono<String> createLinkCode() {
        return accounts.createLinkCode();
    }

    public Mono<UUID> lookup(String phoneNumber) {
        return accounts.lookup(phoneNumber);
    }

    /** Uploads a fresh batch of one-time keys when fewer than {@code threshold} are left; true if it did. */
    public Mono<Boolean> refillPreKeys(int threshold) {
        return accounts.refillPreKeys(threshold);
    }

    // --- groups ---

    /** A new group with this account as its admin; the server refuses unknown accounts and more than 1024 members. */
    public Mono<Group> createGroup(Collection<UUID> members, byte[] encryptedAttributes) {
        return groupCall(() -> calls.groups().createGroup(CreateGroupRequest.newBuilder()
                .addAllMemberAccountIds(ids(members))
                .setEncryptedAttributes(ByteString.copyFrom(encryptedAttributes)).build()).getGroup());
    }

    public Mono<Group> addMembers(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().addMembers(AddMembersRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId))
                .addAllAccountIds(ids(accounts)).build()).getGroup());
    }

    public Mono<Group> removeMembers(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().removeMembers(RemoveMembersRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).addAllAccountIds(ids(accounts)).build()).getGroup());
    }

    public Mono<Group> promoteAdmins(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().promoteAdmins(PromoteAdminsRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).addAllAccountIds(ids(accounts)).build()).getGroup());
    }

    public Mono<Group> demoteAdmins(UUID groupId, Collection<UUID> accounts) {
        return groupCall(() -> calls.groups().demoteAdmins(DemoteAdminsRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).addAllAccountIds(ids(accounts)).build()).getGroup());
    }

    public Mono<Void> leaveGroup(UUID groupId) {
        return calls.call(() -> calls.groups().leaveGroup(LeaveGroupRequest.newBuilder()
                .setGroupId(WireIds.bytes(groupId)).build())).then();
    }

    public Mono<Group> getGroup(UUID groupId) {
        return groupCall(() -> calls.groups().getGroup(GetGroupRequest.newBuilder().setGroupId(WireIds.bytes(groupId))
                .build()).getGroup());
    }

    /**
     * Membership changes of the groups this account is or was in, as the server delivers them (durably, in order):
     * whom to encrypt for. Each is acked once emitted.
     */
    public Flux<GroupEvent> groupEvents() {
        return groupEvents.asFlux();
    }

    /** The id {@link #sendToGroup} and the group calls take. */
    public static UUID groupId(Group group) {
        return WireIds.uuid(group.getGroupId());
    }

    /** A group call whose result is kept as the newest membership known (whom group messages are encrypted for). */
    private Mono<Group> groupCall(Callable<Group> work) {
        return calls.call(work).doOnNext(groupState::remember);
    }

    /**
     * Encrypts once with this device's Sender Key for the group and completes with the server's acknowledgement
     * (stored once, fan-out recorded). Member devices that lack the key get it first, 1:1; after a member left or
     * was removed a new key is made and distributed, so they can't read what follows. The sender's other devices get
     * a 1:1 sent transcript. Ticks come per member ({@link #ticks()}) and as an aggregate ({@link #groupStatuses()}).
     * {@code dataMessage} is a serialized DataMessage, as for {@link #send}.
     */
    public Mono<SentMessage> sendToGroup(UUID groupId, byte[] dataMessage) {
        return outbox.stamped(dataMessage).flatMap(message -> {
            byte[] content = Plaintext.seal(Content.newBuilder().setDataMessage(message).build());
            return calls.call(() -> groupSessions().prepare(groupId, GroupState.accounts(membership(groupId)),
                    sessions::devicesWithSessions))
                    .flatMap(plan -> Flux.fromIterable(plan.lacking())
                            .flatMap(account -> distribute(plan, account), DISTRIBUTIONS_IN_FLIGHT)
                            .then(calls.call(() -> new PendingSend.ToGroup(groupId,
                                    groupSessions().encrypt(plan.distributionId(), content), plan.recipients()))))
                    .flatMap(target -> outbox.submit(target, Outbox.transcript(message,
                            SyncMessage.Sent.newBuilder().setGroupId(WireIds.bytes(groupId)))));
        });
    }

    /** Ticks of group messages this device sent, counted over their members: delivered to all, read by all. */
    public Flux<GroupMessageStatus> groupStatuses() {
        return ticks.groupStatuses();
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

    /** Sends this device's Sender Key to every device of {@code account}, and records who holds it once stored. */
    private Mono<SentMessage> distribute(GroupSessions.Plan plan, UUID account) {
        return outbox.sendInternal(account, plan.distribution())
                .doOnNext(sent -> groupState.addHolders(plan.groupId(), plan.distributionId(), account,
                        sessions.devicesWithSessions(account)));
    }

    private static List<ByteString> ids(Collection<UUID> accounts) {
        return accounts.stream().map(WireIds::bytes).toList();
    }

    // --- messaging ---

    /**
     * Decrypted messages, oldest first, called on the client's own thread. One goes out when every subscriber has
     * requested one, and is acked when all their {@code onNext} calls have returned. Operators that prefetch
     * ({@code publishOn}, {@code flatMap}) request ahead: a message counts as handled once it has reached them.
     */
    public Flux<IncomingMessage> incoming() {
        return incoming.flux();
    }

    public Flux<Tick> ticks() {
        return ticks.ticks();
    }

    public Flux<ConnectionEvent> events() {
        return connection.events();
    }

    /** Typing indicators for this account and its groups, while the stream is up (never stored or replayed). */
    public Flux<TypingIndicator> typing() {
        return typing.asFlux();
    }

    /** Tells {@code peer}'s online devices that this user started or stopped typing; dropped while disconnected. */
    public void typing(UUID peer, boolean started) {
        connection.write(ConnectRequest.newBuilder().setTyping(Typing.newBuilder().setPeerAccountId(WireIds.bytes(peer))
                .setStarted(started)).build());
    }

    /** Tells the group's other online members that this user started or stopped typing. */
    public void typingInGroup(UUID groupId, boolean started) {
        connection.write(ConnectRequest.newBuilder().setTyping(Typing.newBuilder().setGroupId(WireIds.bytes(groupId))
                .setStarted(started)).build());
    }

    // --- presence and privacy ---

    /**
     * Follows the online / last-seen state of these accounts (at most {@value #MAX_PRESENCE_SUBSCRIPTIONS}),
     * replacing what this device followed before; kept across reconnects. The Flux has the current state of each
     * right away (once connected), then every change. An empty collection stops following.
     */
    public Flux<PresenceUpdate> subscribePresence(Collection<UUID> accounts) {
        List<UUID> subscription = List.copyOf(new LinkedHashSet<>(accounts));
        if (subscription.size() > MAX_PRESENCE_SUBSCRIPTIONS) {
            throw new IllegalArgumentException("at most " + MAX_PRESENCE_SUBSCRIPTIONS + " accounts, got "
                    + subscription.size());
        }
        presenceSubscription = subscription;
        Flux<PresenceUpdate> updates = presence.asFlux().filter(update -> subscription.contains(update.account()));
        writePresenceSubscription();
        return updates;
    }

    /** Every presence update of the accounts this device follows. */
    public Flux<PresenceUpdate> presence() {
        return presence.asFlux();
    }

    /** Blocks an account: neither sees the other's presence, and its typing and messages no longer reach this one. */
    public Mono<Void> block(UUID account) {
        return calls.call(() -> calls.privacy().block(BlockRequest.newBuilder().setAccountId(WireIds.bytes(account))
                .build())).then();
    }

    public Mono<Void> unblock(UUID account) {
        return calls.call(() -> calls.privacy().unblock(UnblockRequest.newBuilder().setAccountId(WireIds.bytes(account))
                .build())).then();
    }

    /** The accounts this account blocks. */
    public Mono<Set<UUID>> blocked() {
        return calls.call(() -> calls.privacy().getPrivacy(GetPrivacyRequest.getDefaultInstance()).getBlockedAccountIdsList()
                .stream().map(WireIds::uuid).collect(Collectors.toSet()));
    }

    /**
     * Hides this account's online / last seen from everyone, and everyone's from this account (or shows them
     * again). The server sends the followed accounts' states again, as they now look.
     */
    public Mono<Void> hideLastSeen(boolean hidden) {
        return calls.call(() -> calls.privacy().setLastSeenHidden(SetLastSeenHiddenRequest.newBuilder().setHidden(hidden)
                .build())).then();
    }

    private void writePresenceSubscription() {
        List<UUID> subscription = presenceSubscription;
        connection.write(ConnectRequest.newBuilder().setPresenceSubscribe(PresenceSubscribe.newBuilder()
                .addAllAccountIds(ids(subscription))).build());
    }

    private void onPresence(PresenceEvent event) {
        Optional<Instant> lastSeen = event.getLastSeenMs() == 0 ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(event.getLastSeenMs()));
        presence.tryEmitNext(new PresenceUpdate(WireIds.uuid(event.getAccountId()), event.getOnline(), lastSeen));
    }

    /** Opens the stream and keeps it open (reconnecting with jittered backoff) until {@link #close()}. */
    public void connect() {
        credentials();
        connection.connect();
    }

    /**
     * The device's network is back (call it from the OS's connectivity callback): reconnects at once instead of waiting
     * out the backoffs (the channel's and this client's) that grew while there was no network.
     */
    public void networkAvailable() {
        connection.networkAvailable();
    }

    /**
     * Encrypts for every device of the recipient and every other device of this account (a sent transcript), and
     * completes with the server's acknowledgement. Device-list mismatches are repaired (refetch, re-encrypt, resend)
     * transparently. {@code dataMessage} is a serialized DataMessage ({@link io.courier.client.Content#encode()}).
     */
    public Mono<SentMessage> send(UUID recipient, byte[] dataMessage) {
        return outbox.send(recipient, dataMessage);
    }

    /** Tells the sender the message was shown to the user (blue ticks). */
    public void markRead(IncomingMessage message) {
        connection.write(ConnectRequest.newBuilder().setRead(Read.newBuilder()
                .setSenderAccountId(WireIds.bytes(message.sender())).addServerIds(message.serverId())).build());
    }

    @Override
    public void close() {
        acks.flush(); // the receipts' acks that were waiting, before the stream ends
        calls.close();
        accounts.close();
        incoming.close();
        connection.close();
        outbox.close();
    }

    // --- internals ---

    /** A new stream knows nothing of this device's presence subscription or of its sends in flight. */
    private void streamOpened() {
        if (!presenceSubscription.isEmpty()) {
            writePresenceSubscription(); // subscriptions end with a stream
        }
        outbox.resend();
    }

    private boolean appHasRoom() {
        return incoming.hasRoom();
    }

    private void onFrame(ConnectResponse frame) {
        switch (frame.getFrameCase()) {
            case SEND_ACK -> outbox.onSendAck(frame.getSendAck());
            case DELIVERY -> onDelivery(frame.getDelivery());
            case RECEIPT -> ticks.onReceipt(frame.getReceipt());
            case GROUP_EVENT -> {
                groupState.remember(frame.getGroupEvent().getGroup());
                groupEvents.tryEmitNext(frame.getGroupEvent());
                acks.ack(frame.getGroupEvent().getServerId());
            }
            case QUEUE_EMPTY -> {
                connection.drained();
                accounts.topUp();
            }
            case TYPING -> {
                TypingEvent event = frame.getTyping();
                typing.tryEmitNext(new TypingIndicator(WireIds.uuid(event.getSenderAccountId()),
                        event.getSenderDeviceId(), event.getGroupId().isEmpty() ? Optional.empty()
                                : Optional.of(WireIds.uuid(event.getGroupId())), event.getStarted()));
            }
            case PRESENCE -> onPresence(frame.getPresence());
            case ERROR -> outbox.onFrameError(frame.getError());
            default -> {
                // pongs need no handling: any frame shows the stream is alive
            }
        }
    }

    private void onDelivery(Delivery delivery) {
        long id = delivery.getServerId();
        UUID sender = WireIds.uuid(delivery.getSenderAccountId());
        if (!delivery.getSyncRecipientAccountId().isEmpty()) {
            ticks.sentByOtherDevice(id, WireIds.uuid(delivery.getSyncRecipientAccountId()));
        }
        // Compact streams leave the client message id out: the server keeps a retry under its server id.
        long origin = delivery.getClientMessageId() == 0 ? id
                : ClientStore.origin(sender, delivery.getSenderDeviceId(), delivery.getClientMessageId());
        if (incoming.holds(id)) {
            return; // decrypted before (on an earlier stream or run) and waiting for the app: acked once handled
        }
        if (store.hasSeen(id, origin) || incoming.holdsOrigin(origin)) {
            acks.ack(id); // the app has it already, or will under the id of an earlier copy
            return;
        }
        try {
            Optional<UnhandledMessage> forTheApp = store.atomically(() -> decryptAndKeep(delivery, sender, origin));
            forTheApp.ifPresentOrElse(incoming::add, () -> acks.ack(id));
        } catch (Exception e) {
            // Undecryptable (e.g. a session reset) or not a padded Content: nothing will make it readable later.
            LOG.log(Level.WARNING, "dropping an undecryptable message " + id + ": " + e.getClass().getSimpleName());
            store.markSeen(id, origin);
            acks.ack(id);
            if (e instanceof NoSessionException && delivery.getType() == EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE
                    && !delivery.getGroupId().isEmpty()) {
                requestSenderKey(sender, WireIds.uuid(delivery.getGroupId()));
            }
        }
    }

    /**
     * This device lacks a group sender's key (it was linked or reinstalled after the key went out): asks the sender,
     * whose next group send then distributes the key to every device of this account. Messages before that stay
     * unreadable here (a Sender Key chain only runs forward). At most once per sender and group per
     * {@value #KEY_REQUEST_INTERVAL_MS} ms.
     */
    private void requestSenderKey(UUID sender, UUID groupId) {
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
    private void onSenderKeyRequest(UUID requester, SenderKeyRequest request) {
        if (request.getGroupId().size() != Uuids.BYTES) {
            return;
        }
        UUID groupId = WireIds.uuid(request.getGroupId());
        if (groupState.group(groupId).map(g -> GroupState.accounts(g).contains(requester)).orElse(false)) {
            groupState.forgetHolders(groupId, requester);
        }
    }

    /**
     * Decrypting advances the session for good, so the plaintext is kept with it until the app has handled it. What
     * is not for the app (key material, a session ack, a kind this version doesn't know) counts as seen once
     * processed (empty result). A plaintext that doesn't unpad or parse throws: the caller drops it as undecryptable.
     */
    private Optional<UnhandledMessage> decryptAndKeep(Delivery delivery, UUID sender, long origin) throws Exception {
        int device = delivery.getSenderDeviceId();
        byte[] ciphertext = delivery.getCiphertext().toByteArray();
        Content content = Plaintext.open(delivery.getType() == EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE
                ? groupSessions().decrypt(sender, device, ciphertext)
                : sessions.decrypt(sender, device, delivery.getType(), ciphertext));
        if (delivery.getType() == EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE && !content.hasSessionAck()
                && sessions.answerOnce(ciphertext)) {
            outbox.sendInternalQuietly(sender, Content.newBuilder().setSessionAck(SessionAck.getDefaultInstance())
                    .build(), "session ack");
        }
        Optional<DataMessage> forTheApp = switch (content.getContentCase()) {
            case DATA_MESSAGE -> Optional.of(content.getDataMessage());
            case SYNC_MESSAGE -> sentTranscript(sender, content.getSyncMessage());
            case SENDER_KEY_DISTRIBUTION -> {
                groupSessions().process(sender, device, content.getSenderKeyDistribution().toByteArray());
                yield Optional.empty();
            }
            case SENDER_KEY_REQUEST -> {
                onSenderKeyRequest(sender, content.getSenderKeyRequest());
                yield Optional.empty();
            }
            // A session ack did its work by being decrypted; resend requests and a newer client's kinds are ignored.
            case SESSION_ACK, DECRYPTION_ERROR, CONTENT_NOT_SET -> Optional.empty();
        };
        if (forTheApp.isEmpty()) {
            store.markSeen(delivery.getServerId(), origin);
            return Optional.empty();
        }
        UnhandledMessage message = new UnhandledMessage(new IncomingMessage(delivery.getServerId(), sender, device,
                ServerTimes.of(delivery.getServerId(), delivery.getServerTimestampMs(),
                        delivery.getServerTimestampOffsetMs()), forTheApp.get().toByteArray(),
                WireIds.uuidIfAny(delivery.getSyncRecipientAccountId()), WireIds.uuidIfAny(delivery.getGroupId())), origin);
        store.keepUnhandled(message);
        return Optional.of(message);
    }

    /**
     * A message another device of this account sent, for the app to show as sent. Only this account's devices may
     * say what this user sent; read state and settings are not synced by this version.
     */
    private Optional<DataMessage> sentTranscript(UUID sender, SyncMessage sync) {
        return sender.equals(credentials().accountId()) && sync.getSent().hasMessage()
                ? Optional.of(sync.getSent().getMessage()) : Optional.empty();
    }

    /** The app has the message: only now is it acked, and a stream waiting for room in the queue reads on. */
    private void handled(UnhandledMessage message) {
        store.handled(message);
        acks.ack(message.serverId());
        connection.resume();
    }

    private GroupSessions groupSessions() {
        Credentials me = credentials();
        return new GroupSessions(store, groupState, SessionCrypto.address(me.accountId(), me.deviceId()));
    }
}
