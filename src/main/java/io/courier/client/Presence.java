package io.courier.client;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.GetPrivacyRequest;
import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.PresenceVisibility;
import io.courier.api.v1.SetContactsRequest;
import io.courier.api.v1.SetGroupAddPolicyRequest;
import io.courier.api.v1.PresenceEvent;
import io.courier.api.v1.PresenceSubscribe;
import io.courier.api.v1.SetPresenceVisibilityRequest;
import io.courier.api.v1.Typing;
import io.courier.api.v1.TypingEvent;
import io.courier.api.v1.UnblockRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The ephemeral signals, which live only while the stream is up: typing indicators both ways, the online / last-seen
 * state of followed accounts, and the privacy settings that decide who sees them. The behaviour of the public calls
 * is documented on {@link CourierClient}, which delegates here.
 */
final class Presence {
    /** The server's bound on accounts per presence subscription (courier.presence.max-subscriptions). */
    static final int MAX_SUBSCRIPTIONS = 256;

    private final Calls calls;
    private final Consumer<ConnectRequest> write;
    /** Ephemeral: a subscriber that falls 256 behind loses indicators, as the server drops them for a slow stream. */
    private final Sinks.Many<TypingIndicator> typing = Sinks.many().multicast().onBackpressureBuffer(256, false);
    private final Sinks.Many<PresenceUpdate> presence = Sinks.many().multicast().onBackpressureBuffer(1024, false);
    /** The accounts whose presence this device follows; sent again on every new stream. */
    private volatile List<UUID> subscription = List.of();

    /** {@code write} puts a frame on the stream; what is written while there is none is dropped. */
    Presence(Calls calls, Consumer<ConnectRequest> write) {
        this.calls = calls;
        this.write = write;
    }

    // --- typing ---

    Flux<TypingIndicator> typing() {
        return typing.asFlux();
    }

    void typing(UUID peer, boolean started) {
        write.accept(ConnectRequest.newBuilder().setTyping(Typing.newBuilder().setPeerAccountId(WireIds.bytes(peer))
                .setStarted(started)).build());
    }

    void typingInGroup(UUID groupId, boolean started) {
        write.accept(ConnectRequest.newBuilder().setTyping(Typing.newBuilder().setGroupId(WireIds.bytes(groupId))
                .setStarted(started)).build());
    }

    void onTyping(TypingEvent event) {
        typing.tryEmitNext(new TypingIndicator(WireIds.uuid(event.getSenderAccountId()), event.getSenderDeviceId(),
                WireIds.uuidIfAny(event.getGroupId()), event.getStarted()));
    }

    // --- presence ---

    Flux<PresenceUpdate> subscribe(Collection<UUID> accounts) {
        List<UUID> followed = List.copyOf(new LinkedHashSet<>(accounts));
        if (followed.size() > MAX_SUBSCRIPTIONS) {
            throw new IllegalArgumentException("at most " + MAX_SUBSCRIPTIONS + " accounts, got " + followed.size());
        }
        subscription = followed;
        Flux<PresenceUpdate> updates = presence.asFlux().filter(update -> followed.contains(update.account()));
        writeSubscription();
        return updates;
    }

    Flux<PresenceUpdate> presence() {
        return presence.asFlux();
    }

    /** A new stream is open: subscriptions end with a stream, so this device's goes again. */
    void resubscribe() {
        if (!subscription.isEmpty()) {
            writeSubscription();
        }
    }

    void onPresence(PresenceEvent event) {
        Optional<Instant> lastSeen = event.getLastSeenMs() == 0 ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(event.getLastSeenMs()));
        presence.tryEmitNext(new PresenceUpdate(WireIds.uuid(event.getAccountId()), event.getOnline(), lastSeen));
    }

    private void writeSubscription() {
        write.accept(ConnectRequest.newBuilder().setPresenceSubscribe(PresenceSubscribe.newBuilder()
                .addAllAccountIds(WireIds.bytes(subscription))).build());
    }

    // --- privacy ---

    Mono<Void> block(UUID account) {
        return calls.call(() -> calls.privacy().block(BlockRequest.newBuilder()
                .setAccountId(WireIds.bytes(account)).build())).then();
    }

    Mono<Void> unblock(UUID account) {
        return calls.call(() -> calls.privacy().unblock(UnblockRequest.newBuilder()
                .setAccountId(WireIds.bytes(account)).build())).then();
    }

    Mono<Set<UUID>> blocked() {
        return calls.call(() -> calls.privacy().getPrivacy(GetPrivacyRequest.getDefaultInstance())
                .getBlockedAccountIdsList().stream().map(WireIds::uuid).collect(Collectors.toSet()));
    }

    Mono<Void> allowGroupAdds(GroupAddPolicy policy) {
        return calls.call(() -> calls.privacy().setGroupAddPolicy(SetGroupAddPolicyRequest.newBuilder()
                .setPolicy(policy).build())).then();
    }

    Mono<Void> setContacts(Collection<UUID> accounts) {
        return calls.call(() -> calls.privacy().setContacts(SetContactsRequest.newBuilder()
                .addAllAccountIds(WireIds.bytes(accounts)).build())).then();
    }

    Mono<Void> showPresenceTo(PresenceVisibility who) {
        return calls.call(() -> calls.privacy().setPresenceVisibility(SetPresenceVisibilityRequest.newBuilder()
                .setVisibility(who).build())).then();
    }
}
