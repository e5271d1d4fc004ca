package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.PresenceEvent;
import io.courier.api.v1.TypingEvent;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** Typing and presence on their own: the frames they write and what they make of the frames they get. */
class PresenceFramesTest {
    private static final UUID ANN = UUID.randomUUID();
    private static final UUID BOB = UUID.randomUUID();

    /** Never connected: these tests make no call. */
    private final ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", 9).usePlaintext().build();
    private final List<ConnectRequest> written = new CopyOnWriteArrayList<>();
    private final Presence presence = new Presence(new Calls(channel, () -> {
        throw new IllegalStateException("no credentials in this test");
    }), written::add);

    @AfterEach
    void closeChannel() {
        channel.shutdownNow();
    }

    private List<UUID> subscribed(ConnectRequest frame) {
        return frame.getPresenceSubscribe().getAccountIdsList().stream().map(WireIds::uuid).toList();
    }

    private static PresenceEvent event(UUID account, boolean online) {
        return PresenceEvent.newBuilder().setAccountId(WireIds.bytes(account)).setOnline(online).build();
    }

    @Test
    void aSubscriptionIsWrittenOnceAndAgainOnEveryNewStream() {
        presence.resubscribe();
        assertThat(written).as("nothing followed yet").isEmpty();

        presence.subscribe(List.of(ANN, BOB, ANN));
        presence.resubscribe();
        assertThat(written).hasSize(2).allSatisfy(frame -> assertThat(subscribed(frame)).containsExactly(ANN, BOB));

        presence.subscribe(List.of());
        written.clear();
        presence.resubscribe();
        assertThat(written).as("an empty subscription stops following").isEmpty();
    }

    @Test
    void moreAccountsThanTheServerAllowsAreRefusedAndNothingIsWritten() {
        List<UUID> tooMany = IntStream.rangeClosed(0, Presence.MAX_SUBSCRIPTIONS).mapToObj(i -> UUID.randomUUID())
                .toList();

        assertThatThrownBy(() -> presence.subscribe(tooMany)).isInstanceOf(IllegalArgumentException.class);
        assertThat(written).isEmpty();
    }

    @Test
    void aSubscriptionsFluxHasOnlyItsAccountsUpdates() {
        List<PresenceUpdate> annOnly = new CopyOnWriteArrayList<>();
        List<PresenceUpdate> everything = new CopyOnWriteArrayList<>();
        presence.subscribe(List.of(ANN)).subscribe(annOnly::add);
        presence.presence().subscribe(everything::add);

        presence.onPresence(event(BOB, true));
        presence.onPresence(event(ANN, false).toBuilder().setLastSeenMs(5_000).build());

        assertThat(annOnly).containsExactly(new PresenceUpdate(ANN, false, Optional.of(Instant.ofEpochMilli(5_000))));
        assertThat(everything).extracting(PresenceUpdate::account).containsExactly(BOB, ANN);
        assertThat(everything.get(0).lastSeen()).as("online: no last seen").isEmpty();
    }

    @Test
    void typingGoesOutToAPeerOrAGroupAndComesInWithItsGroup() {
        UUID group = UUID.randomUUID();
        presence.typing(BOB, true);
        presence.typingInGroup(group, false);
        assertThat(written).extracting(ConnectRequest::getTyping).satisfiesExactly(
                peer -> assertThat(WireIds.uuid(peer.getPeerAccountId())).isEqualTo(BOB),
                inGroup -> assertThat(WireIds.uuid(inGroup.getGroupId())).isEqualTo(group));

        List<TypingIndicator> indicators = new CopyOnWriteArrayList<>();
        presence.typing().subscribe(indicators::add);
        presence.onTyping(TypingEvent.newBuilder().setSenderAccountId(WireIds.bytes(ANN)).setSenderDeviceId(2)
                .setStarted(true).build());
        presence.onTyping(TypingEvent.newBuilder().setSenderAccountId(WireIds.bytes(ANN)).setSenderDeviceId(2)
                .setGroupId(WireIds.bytes(group)).setStarted(false).build());
        assertThat(indicators).containsExactly(new TypingIndicator(ANN, 2, Optional.empty(), true),
                new TypingIndicator(ANN, 2, Optional.of(group), false));
    }
}
