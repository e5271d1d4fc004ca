package io.courier.client;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.PresenceVisibility;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.PushPlatform;
import io.courier.api.v1.Read;
import io.courier.api.v1.SyncMessage;
import io.grpc.Channel;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
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
 *
 * <p>This class wires and delegates: {@link Connection} holds the stream, {@link Outbox} the sends waiting for their
 * acknowledgement, {@link Inbox} what arrives, {@link Sessions} and {@link Groups} the Signal sessions and Sender
 * Keys, {@link Ticks} the receipts, {@link AccountNotices} changes of the account itself, {@link Presence} typing and presence, {@link Accounts} registration and keys.
 */
public final class CourierClient implements AutoCloseable {
    /** How long a receipt's ack may wait for company: the next ack frame, or the acks of receipts that follow. */
    public static final Duration RECEIPT_ACK_DELAY = Duration.ofSeconds(10);

    private final ClientStore store;
    private final Calls calls;
    private final Accounts accounts;
    private final Connection connection;
    private final Acks acks;
    private final Ticks ticks;
    private final Outbox outbox;
    private final Groups groups;
    private final Presence presence;
    private final Inbox inbox;
    private final UnsentMessages unsent;
    private final SafetyNumbers safetyNumbers;
    private final Sessions sessions;
    private final Disappearing disappearing;
    private final Resends resends;
    private final AccountNotices notices;

    private CourierClient(Channel channel, ClientStore store) {
        this.store = store;
        this.calls = new Calls(channel, this::credentials);
        this.accounts = new Accounts(calls, store);
        this.connection = new Connection(calls, this::onFrame, this::streamOpened, this::appHasRoom);
        this.acks = new Acks(connection::write, Schedulers.parallel(), RECEIPT_ACK_DELAY);
        GroupState groupState = new GroupState(store);
        this.ticks = new Ticks(groupState, acks, calls);
        this.sessions = new Sessions(store, calls, this::credentials);
        this.outbox = new Outbox(calls.blocking(), sessions, connection::write, this::acknowledged);
        this.resends = new Resends(sessions, outbox, this::credentials, System::currentTimeMillis);
        this.presence = new Presence(calls, connection::write);
        this.groups = new Groups(calls, store, groupState, sessions, outbox, acks, this::credentials);
        this.disappearing = new Disappearing(store, Schedulers.parallel(), System::currentTimeMillis);
        this.inbox = new Inbox(store, this::credentials, sessions, groups, outbox, ticks, acks, connection::resume,
                disappearing, resends);
        this.notices = new AccountNotices(acks);
        this.unsent = new UnsentMessages(store, UnsentMessages.LIMIT, this::deliver);
        this.safetyNumbers = new SafetyNumbers(store, calls, sessions, this::credentials);
        disappearing.resume();
    }

    public static CourierClient create(Channel channel, ClientStore store) {
        return new CourierClient(channel, store);
    }

    public Credentials credentials() {
        return store.credentials().orElseThrow(
                () -> new IllegalStateException("this device is not registered or linked yet"));
    }

    // --- accounts and keys ---

    /** Sends a code to the number; register with it and the session this returns. */
    public Mono<VerificationSession> requestVerificationCode(String phoneNumber) {
        return requestVerificationCode(phoneNumber, "");
    }

    /** Like {@link #requestVerificationCode(String)}, with an attestation or captcha token for servers that ask. */
    public Mono<VerificationSession> requestVerificationCode(String phoneNumber, String attestationToken) {
        return accounts.requestVerificationCode(phoneNumber, attestationToken);
    }

    /** Registers this device as the session's number's primary and uploads its keys. */
    public Mono<Credentials> register(VerificationSession session, String verificationCode, String deviceName) {
        return register(session, verificationCode, deviceName, "");
    }

    /**
     * Registers with the number's Registration Lock PIN (needed while the number's devices were active in the last
     * 7 days; the account then keeps its id). A missing PIN fails with FAILED_PRECONDITION and the code stays valid.
     */
    public Mono<Credentials> register(VerificationSession session, String verificationCode, String deviceName,
            String registrationLockPin) {
        return accounts.register(session, verificationCode, deviceName, registrationLockPin);
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
     * Deletes this account (primary only: PERMISSION_DENIED on a linked device). {@code confirmPhoneNumber} must be
     * the account's number (FAILED_PRECONDITION otherwise, nothing deleted). Afterwards every device's credentials
     * fail with UNAUTHENTICATED, contacts can no longer reach the account, its groups see it leave, and the number
     * can register again as a new account; the app should then discard this client's stored state.
     */
    public Mono<Void> deleteAccount(String confirmPhoneNumber) {
        return accounts.deleteAccount(confirmPhoneNumber);
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

    /**
     * Linking, like Signal's provisioning: this new device shows its link key (e.g. as a QR code); the primary passes
     * it to {@link #createLinkCode(String)}, which seals the account's identity key pair to it; this device then
     * calls {@link #link} with the code. The same key until the link completes.
     */
    public String linkKey() {
        return accounts.linkKey();
    }

    /**
     * Links this device to an account with a code from its primary: takes the account's identity key pair the primary
     * sealed to this device's {@link #linkKey()}, and uploads keys under it.
     */
    public Mono<Credentials> link(String linkCode, String deviceName) {
        return accounts.link(linkCode, deviceName);
    }

    /**
     * A code for linking another device (primary only), with this account's identity key pair sealed to the new
     * device's {@link #linkKey()}; the server relays it unread. IllegalArgumentException for a malformed link key.
     */
    public Mono<String> createLinkCode(String newDeviceLinkKey) {
        return accounts.createLinkCode(newDeviceLinkKey);
    }

    /**
     * Devices linked to this account from now on, one notice each (queued by the server: one linked while this
     * device was offline arrives when it connects; after a cut, one may come again). Never the device's own link.
     */
    public Flux<LinkedDeviceNotice> linkedDevices() {
        return notices.linkedDevices();
    }

    /**
     * Unlinks a device of this account: its credential fails at once. The primary may revoke any linked device, a
     * linked device only itself; the primary can't be revoked (FAILED_PRECONDITION).
     */
    public Mono<Void> revokeDevice(int deviceId) {
        return accounts.revokeDevice(deviceId);
    }

    public Mono<UUID> lookup(String phoneNumber) {
        return accounts.lookup(phoneNumber);
    }

    /** Uploads a fresh batch of one-time keys when fewer than {@code threshold} are left; true if it did. */
    public Mono<Boolean> refillPreKeys(int threshold) {
        return accounts.refillPreKeys(threshold);
    }

    // --- safety numbers ---

    /**
     * The safety number of this account and {@code contact} (libsignal's numeric fingerprint of both account
     * identities: digits to compare, bytes to scan). Learns the contact's key first if this device never talked to it.
     */
    public Mono<SafetyNumber> safetyNumber(UUID contact) {
        return safetyNumbers.of(contact);
    }

    /**
     * The user compared {@code number} with the contact's screen (or scanned it, {@link SafetyNumber#matchesScanned}):
     * the contact is verified, and a later change of its key blocks sending to it until approved. Also approves a
     * change the number was computed after. IllegalStateException if the key changed since the number was computed.
     */
    public void verify(SafetyNumber number) {
        safetyNumbers.verify(number);
    }

    /** Accepts a verified contact's changed identity key: sends go through again; the contact is unverified. */
    public void approve(UUID contact) {
        safetyNumbers.approve(contact);
    }

    /** How far this device trusts {@code contact}'s identity key; IllegalStateException if it knows none yet. */
    public TrustLevel trust(UUID contact) {
        return safetyNumbers.trust(contact);
    }

    /**
     * Contacts' identity keys changing, as this device finds them (fetching keys to send, or decrypting), on the thread
     * that found them; not replayed to later subscribers ({@link #trust} tells the state at any time). A change of a
     * verified contact blocks sending to it: sends fail with {@link IdentityChangedException} until
     * {@link #approve} or {@link #verify}.
     */
    public Flux<IdentityChange> identityChanges() {
        return store.trust().changes();
    }

    // --- groups ---

    /** A new group with this account as its admin; the server refuses unknown accounts and more than 1024 members. */
    public Mono<Group> createGroup(Collection<UUID> members, byte[] encryptedAttributes) {
        return groups.create(members, encryptedAttributes);
    }

    public Mono<Group> addMembers(UUID groupId, Collection<UUID> accounts) {
        return groups.addMembers(groupId, accounts);
    }

    public Mono<Group> removeMembers(UUID groupId, Collection<UUID> accounts) {
        return groups.removeMembers(groupId, accounts);
    }

    public Mono<Group> promoteAdmins(UUID groupId, Collection<UUID> accounts) {
        return groups.promoteAdmins(groupId, accounts);
    }

    public Mono<Group> demoteAdmins(UUID groupId, Collection<UUID> accounts) {
        return groups.demoteAdmins(groupId, accounts);
    }

    public Mono<Void> leaveGroup(UUID groupId) {
        return groups.leave(groupId);
    }

    public Mono<Group> getGroup(UUID groupId) {
        return groups.get(groupId);
    }

    /** A new invite link for a group this account administers (its token; the previous link stops working). */
    public Mono<byte[]> createInviteLink(UUID groupId) {
        return groups.createInviteLink(groupId);
    }

    public Mono<Void> revokeInviteLink(UUID groupId) {
        return groups.revokeInviteLink(groupId);
    }

    /** Joins the group whose current invite link this token is. */
    public Mono<Group> joinGroupByLink(byte[] inviteToken) {
        return groups.joinByLink(inviteToken);
    }

    /**
     * Membership changes of the groups this account is or was in, as the server delivers them (durably, in order):
     * whom to encrypt for. Each is acked once emitted.
     */
    public Flux<GroupEvent> groupEvents() {
        return groups.events();
    }

    /** The id {@link #sendToGroup} and the group calls take. */
    public static UUID groupId(Group group) {
        return WireIds.uuid(group.getGroupId());
    }

    /**
     * Encrypts once with this device's Sender Key for the group and completes with the server's acknowledgement
     * (stored once, fan-out recorded). Member devices that lack the key get it first, 1:1; after a member left or
     * was removed a new key is made and distributed, so they can't read what follows. The sender's other devices get
     * a 1:1 sent transcript. Ticks come per member ({@link #ticks()}) and as an aggregate ({@link #groupStatuses()}).
     * {@code dataMessage} is a serialized DataMessage, as for {@link #send}; kept until acknowledged, as there.
     */
    public Mono<SentMessage> sendToGroup(UUID groupId, byte[] dataMessage) {
        return sendKept(groupId, true, dataMessage);
    }

    /** Ticks of group messages this device sent, counted over their members: delivered to all, read by all. */
    public Flux<GroupMessageStatus> groupStatuses() {
        return ticks.groupStatuses();
    }

    // --- messaging ---

    /**
     * Decrypted messages, oldest first, called on the client's own thread. One goes out when every subscriber has
     * requested one, and is acked when all their {@code onNext} calls have returned. Operators that prefetch
     * ({@code publishOn}, {@code flatMap}) request ahead: a message counts as handled once it has reached them.
     * Reactions, edits and deletes come through {@link #actions()} instead.
     */
    public Flux<IncomingMessage> incoming() {
        return inbox.incoming();
    }

    public Flux<Tick> ticks() {
        return ticks.ticks();
    }

    public Flux<ConnectionEvent> events() {
        return connection.events();
    }

    /** Typing indicators for this account and its groups, while the stream is up (never stored or replayed). */
    public Flux<TypingIndicator> typing() {
        return presence.typing();
    }

    /** Tells {@code peer}'s online devices that this user started or stopped typing; dropped while disconnected. */
    public void typing(UUID peer, boolean started) {
        presence.typing(peer, started);
    }

    /** Tells the group's other online members that this user started or stopped typing. */
    public void typingInGroup(UUID groupId, boolean started) {
        presence.typingInGroup(groupId, started);
    }

    // --- presence and privacy ---

    /**
     * Follows the online / last-seen state of these accounts (at most {@value Presence#MAX_SUBSCRIPTIONS}),
     * replacing what this device followed before; kept across reconnects. The Flux has the current state of each
     * right away (once connected), then every change. An empty collection stops following.
     */
    public Flux<PresenceUpdate> subscribePresence(Collection<UUID> accounts) {
        return presence.subscribe(accounts);
    }

    /** Every presence update of the accounts this device follows. */
    public Flux<PresenceUpdate> presence() {
        return presence.presence();
    }

    /** Blocks an account: neither sees the other's presence, and its typing and messages no longer reach this one. */
    public Mono<Void> block(UUID account) {
        return presence.block(account);
    }

    public Mono<Void> unblock(UUID account) {
        return presence.unblock(account);
    }

    /** The accounts this account blocks. */
    public Mono<Set<UUID>> blocked() {
        return presence.blocked();
    }

    /** Who may add this account to groups: everyone, its contacts ({@link #setContacts}), or nobody. */
    public Mono<Void> allowGroupAdds(GroupAddPolicy policy) {
        return presence.allowGroupAdds(policy);
    }

    /** Replaces the contact list the server checks group adds against (the address book's accounts). */
    public Mono<Void> setContacts(Collection<UUID> accounts) {
        return presence.setContacts(accounts);
    }

    /**
     * Who sees this account's online / last seen: everyone, its contacts ({@link #setContacts}; the server's
     * default) or nobody. The rule holds both ways: this account sees another's only where that one would see its.
     * The server sends the followed accounts' states again, as they now look.
     */
    public Mono<Void> setPresenceVisibility(PresenceVisibility who) {
        return presence.showPresenceTo(who);
    }

    /**
     * Opens the stream and keeps it open (reconnecting with jittered backoff) until {@link #close()}; the first call
     * also sends the {@link #restoredSends()} again.
     */
    public void connect() {
        credentials();
        connection.connect();
        unsent.sendRestored();
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
     *
     * <p>The message is kept in the device's storage from before its first attempt until the Mono completes; a client
     * closed (or killed) before the acknowledgement sends it again on its next run ({@link #restoredSends()}).
     * Cancelling the Mono gives the message up. At most {@value UnsentMessages#LIMIT} messages wait at once: beyond
     * that the Mono fails with {@link OutboxFullException}. It fails with {@link IdentityChangedException} while the
     * recipient is a verified contact whose identity key changed (see {@link #verify}).
     */
    public Mono<SentMessage> send(UUID recipient, byte[] dataMessage) {
        return sendKept(recipient, false, dataMessage);
    }

    /**
     * The messages an earlier run of this device sent that the server had not acknowledged, oldest first: show them
     * as sending. {@link #connect()} sends them again under their client ids, so each is stored once, and each
     * {@link RestoredSend#outcome()} completes with the server's acknowledgement (or refusal).
     */
    public List<RestoredSend> restoredSends() {
        return unsent.restored();
    }

    /**
     * Tells the sender the message was shown to the user (blue ticks), and this account's other devices that it was
     * read ({@link MessageAction.ReadElsewhere} there). The other devices are those this device has sessions with
     * (any it sent to or heard from); the copy for them travels with an empty message to the sender, as the server
     * takes no message without a recipient.
     */
    public void markRead(IncomingMessage message) {
        connection.write(ConnectRequest.newBuilder().setRead(Read.newBuilder()
                .setSenderAccountId(WireIds.bytes(message.sender())).addServerIds(message.serverId())).build());
        if (!message.sender().equals(credentials().accountId()) && sessions.hasOwnDeviceSessions()) {
            outbox.syncQuietly(message.sender(), SyncMessage.newBuilder().setRead(SyncMessage.Read.newBuilder()
                    .addMessages(message.ref().toProto())).build(), "read sync");
        }
    }

    // --- message actions ---

    /**
     * Reactions, edits and deletes of earlier messages (by anyone in this account's chats, and by this account's
     * other devices) and read state from this account's other devices, checked against {@link ActionRules}: an edit
     * or delete by someone other than the target's author, or after its window, never appears. Like {@link #ticks()}
     * it is hot: what arrives before the first subscriber is kept for it, later subscribers see what comes after.
     */
    public Flux<MessageAction> actions() {
        return Flux.merge(inbox.actions(), disappearing.expirations());
    }

    // --- disappearing messages ---

    /**
     * Sets the disappearing-message timer of the chat with {@code peer} (whole seconds; {@link Duration#ZERO} turns it
     * off) and tells the chat: the peer's devices and this account's others report
     * {@link MessageAction.TimerChanged}. From then on every message of the chat, sent or received, is removed
     * ({@link MessageAction.Expired}) that long after it reached the device, and the server keeps it no longer.
     * IllegalArgumentException for a negative or fractional timer.
     */
    public Mono<SentMessage> setDisappearingTimer(UUID peer, Duration timer) {
        return changeTimer(peer, false, timer);
    }

    public Mono<SentMessage> setDisappearingTimerInGroup(UUID groupId, Duration timer) {
        return changeTimer(groupId, true, timer);
    }

    /** The chat's timer (a 1:1 peer's account id or a group id) as this device knows it; zero: off. */
    public Duration disappearingTimer(UUID chat) {
        return disappearing.timer(chat);
    }

    /** Reacts to a message of the chat with {@code to}, replacing this user's previous reaction on it. */
    public Mono<SentMessage> react(UUID to, MessageRef target, String emoji) {
        return act(to, false, new Content.Reaction(target, emoji, false));
    }

    public Mono<SentMessage> reactInGroup(UUID groupId, MessageRef target, String emoji) {
        return act(groupId, true, new Content.Reaction(target, emoji, false));
    }

    /** Takes this user's reaction on the message away. */
    public Mono<SentMessage> removeReaction(UUID to, MessageRef target) {
        return act(to, false, new Content.Reaction(target, "", true));
    }

    public Mono<SentMessage> removeReactionInGroup(UUID groupId, MessageRef target) {
        return act(groupId, true, new Content.Reaction(target, "", true));
    }

    /**
     * Replaces the text (or caption) of this account's message, within {@link ActionRules#EDIT_WINDOW} (15 minutes)
     * of sending it; an IllegalArgumentException otherwise, or for someone else's message.
     */
    public Mono<SentMessage> edit(UUID to, MessageRef target, String newText) {
        return act(to, false, new Content.Edit(target, newText));
    }

    public Mono<SentMessage> editInGroup(UUID groupId, MessageRef target, String newText) {
        return act(groupId, true, new Content.Edit(target, newText));
    }

    /**
     * Deletes this account's message from every device of every recipient and this account's other devices, within
     * {@link ActionRules#DELETE_WINDOW} (2 days) of sending it; an IllegalArgumentException otherwise, or for
     * someone else's message.
     */
    public Mono<SentMessage> deleteForEveryone(UUID to, MessageRef target) {
        return act(to, false, new Content.Delete(target));
    }

    public Mono<SentMessage> deleteForEveryoneInGroup(UUID groupId, MessageRef target) {
        return act(groupId, true, new Content.Delete(target));
    }

    @Override
    public void close() {
        disappearing.close();
        unsent.close(); // before the parts below: what fails because of them stays kept for the next run
        acks.flush(); // the receipts' acks that were waiting, before the stream ends
        calls.close();
        accounts.close();
        inbox.close();
        connection.close();
        outbox.close();
    }

    // --- internals ---

    /** Checked when subscribed to, against the clock then: the action is stamped right after. */
    private Mono<SentMessage> act(UUID destination, boolean toGroup, Content action) {
        return Mono.defer(() -> {
            UUID me = credentials().accountId();
            long now = System.currentTimeMillis();
            if (action instanceof Content.Reaction reaction && !reaction.remove() && reaction.emoji().isEmpty()) {
                throw new IllegalArgumentException("a reaction needs an emoji; removeReaction takes one away");
            } else if (action instanceof Content.Edit edit) {
                if (edit.text().isEmpty()) {
                    throw new IllegalArgumentException("an edit needs a text; deleteForEveryone removes a message");
                }
                ActionRules.checkOwnWithin(me, edit.target(), now, ActionRules.EDIT_WINDOW, "edit");
            } else if (action instanceof Content.Delete delete) {
                ActionRules.checkOwnWithin(me, delete.target(), now, ActionRules.DELETE_WINDOW, "delete");
            }
            return sendKept(destination, toGroup, action.encode());
        });
    }

    /** Set here first: the timer update (a DataMessage without a body) is stamped with it like any message. */
    private Mono<SentMessage> changeTimer(UUID chat, boolean toGroup, Duration timer) {
        return Mono.defer(() -> {
            disappearing.set(chat, timer);
            return sendKept(chat, toGroup, DataMessage.getDefaultInstance().toByteArray());
        });
    }

    /**
     * Stamped (time and the chat's disappearing timer) and kept on the blocking scheduler: keeping writes the state storage, which must not run on the
     * subscriber's thread (an app replying from its incoming() handler would stall the inbox).
     */
    private Mono<SentMessage> sendKept(UUID destination, boolean toGroup, byte[] dataMessage) {
        return outbox.stamped(dataMessage).map(message -> disappearing.stamp(destination, message))
                .flatMap(message -> unsent.send(destination, toGroup, message))
                .subscribeOn(calls.blocking());
    }

    /** One attempt series of a kept message, under its client id; a disappearing one's time runs from its ack. */
    private Mono<SentMessage> deliver(UnsentMessage message) {
        return (message.toGroup() ? groups.send(message) : outbox.send(message))
                .map(sent -> sent.withSentAtMs(message.message().getSentAtMs()))
                .doOnNext(sent -> disappearing.delivered(new MessageRef(credentials().accountId(), sent.sentAtMs()),
                        message.message()));
    }

    /** The server stored a send: ticks start, and a 1:1 one is kept for a while in case it must go again. */
    private void acknowledged(PendingSend send, long serverId) {
        ticks.onSent(send, serverId);
        resends.onSent(send, serverId);
    }

    /** A new stream knows nothing of this device's presence subscription or of its sends in flight. */
    private void streamOpened() {
        presence.resubscribe();
        outbox.resend();
    }

    /** The stream reads on only while the app's queue has room (the inbox comes after the stream it reads). */
    private boolean appHasRoom() {
        return inbox.hasRoom();
    }

    private void onFrame(ConnectResponse frame) {
        switch (frame.getFrameCase()) {
            case SEND_ACK -> outbox.onSendAck(frame.getSendAck());
            case DELIVERY -> inbox.onDelivery(frame.getDelivery());
            case RECEIPT -> ticks.onReceipt(frame.getReceipt());
            case GROUP_EVENT -> groups.onEvent(frame.getGroupEvent());
            case ACCOUNT_EVENT -> notices.onEvent(frame.getAccountEvent());
            case QUEUE_EMPTY -> {
                connection.drained();
                accounts.topUp();
            }
            case TYPING -> presence.onTyping(frame.getTyping());
            case PRESENCE -> presence.onPresence(frame.getPresence());
            case ERROR -> outbox.onFrameError(frame.getError());
            default -> {
                // pongs need no handling: any frame shows the stream is alive
            }
        }
    }
}
