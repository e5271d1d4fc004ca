package io.courier.presence;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;
import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.GetPrivacyRequest;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.PresenceEvent;
import io.courier.api.v1.PresenceSubscribe;
import io.courier.api.v1.PresenceVisibility;
import io.courier.api.v1.SetContactsRequest;
import io.courier.api.v1.SetLastSeenHiddenRequest;
import io.courier.api.v1.SetPresenceVisibilityRequest;
import io.courier.api.v1.Typing;
import io.courier.api.v1.UnblockRequest;
import io.courier.cluster.ClusterConfig;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.RateLimiter;
import io.courier.common.Ids;
import io.courier.keys.KeyDirectory;
import io.courier.store.Cql;
import io.courier.support.RawStream;
import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Online / last seen on the Connect stream, last-seen hiding and the block list, on the real node (Cassandra,
 * Hazelcast) and, for cross-node events, a second real Hazelcast member playing the node that holds the watched
 * device's stream.
 */
@QuarkusTest
class PresenceTest extends ServerTest {
    @Inject
    HazelcastInstance hazelcast;

    @Inject
    ClusterConfig cluster;

    @Inject
    Cql cql;

    @Inject
    PresenceConfig config;

    @Inject
    KeyDirectory keys;

    @Test
    void onlineAndOfflineCrossNodesAndADeadNodesDevicesGoOffline() {
        Participant alice = participant();
        Participant bob = participant();
        showToEveryone(alice, bob);
        UUID bobId = uuid(bob.accountId());
        HazelcastInstance other = SecondMember.join(hazelcast, cluster.name(),
                List.of(PrivacyDirectory.mapConfig(), ContactDirectory.mapConfig(), OnlineWatch.mapConfig()));
        try (var a = connect(alice)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> hazelcast.getCluster().getMembers().size() == 2);
            PresenceStreams node2 = new PresenceStreams(new OnlineWatch(other, new NodeBus(other),
                    new PrivacyDirectory(other, new PrivacyStore(cql), PresenceStreams.registeredIn(keys),
                            new ContactDirectory(other, new PrivacyStore(cql), PresenceStreams.registeredIn(keys),
                                    config.maxContacts())),
                    new LastSeenStore(cql, Duration.ofDays(1)), config.lastSeenGranularity(),
                    PresenceStreams.registeredIn(keys),
                    clock, config.maxWatchersPerAccount()), PresenceStreams.registeredIn(keys),
                    new RateLimiter(other, clock), config,
                    other.getCluster().getLocalMember().getUuid().toString());
            DeviceAddress bobsPhone = new DeviceAddress(bobId, bob.deviceId());
            a.drain();

            a.send(subscribe(bob.accountId()));
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("never seen: nothing to show")
                    .isEqualTo(event(bob.accountId(), false, 0));

            node2.connected(bobsPhone, 7).block();
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).isEqualTo(event(bob.accountId(), true, 0));

            long before = clock.millis();
            node2.disconnected(bobsPhone, 7).block();
            PresenceEvent offline = a.next(FrameCase.PRESENCE).getPresence();
            assertThat(offline.getOnline()).isFalse();
            assertThat(offline.getLastSeenMs()).isBetween(before, clock.millis());

            a.send(subscribe(bob.accountId()));
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("last seen is kept")
                    .isEqualTo(offline);

            node2.connected(bobsPhone, 8).block();
            assertThat(a.next(FrameCase.PRESENCE).getPresence().getOnline()).isTrue();
            long beforeDeath = clock.millis();
            other.getLifecycleService().terminate(); // the node holding bob's stream dies without a word

            PresenceEvent afterDeath = a.next(FrameCase.PRESENCE).getPresence();
            assertThat(afterDeath.getOnline()).isFalse();
            assertThat(afterDeath.getLastSeenMs()).isGreaterThanOrEqualTo(beforeDeath);
        } finally {
            other.shutdown();
        }
    }

    @Test
    void idsThatNameNobodyGetNothingToShowAndLeaveNothingInTheCluster() {
        Participant alice = participant();
        List<UUID> strangers = IntStream.range(0, config.maxSubscriptions()).mapToObj(i -> UUID.randomUUID())
                .toList();
        try (var a = connect(alice)) {
            a.drain();
            a.send(subscribe(strangers.stream().map(Ids::bytes).toArray(ByteString[]::new)));

            for (UUID stranger : strangers) {
                assertThat(a.next(FrameCase.PRESENCE).getPresence()).isEqualTo(event(Ids.bytes(stranger), false, 0));
            }
            // A send to an id that names nobody reads the recipient's privacy too (with its device list).
            a.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(1)
                    .setRecipientAccountId(Ids.bytes(strangers.get(0))).addEnvelopes(DeviceEnvelope.newBuilder()
                            .setDeviceId(1).setRegistrationId(1).setType(EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE)
                            .setCiphertext(ByteString.copyFrom(new byte[] { 1 })))).build());
            assertThat(a.next(FrameCase.ERROR).getError().getCode())
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION);
            for (String map : List.of(OnlineWatch.MAP, PrivacyDirectory.MAP, ContactDirectory.MAP,
                    "courier-registrations")) {
                assertThat(hazelcast.getMap(map).keySet()).as(map).doesNotContainAnyElementsOf(strangers);
            }
        }
    }

    @Test
    void realStreamsMakeAnAccountOnlineUntilItsLastDeviceLeaves() {
        Participant alice = participant();
        Participant bob = participant();
        showToEveryone(alice, bob);
        Participant bobsTablet = withKeys(link(bob.device(), "tablet"));
        try (var a = connect(alice)) {
            a.drain();
            a.send(subscribe(bob.accountId()));
            assertThat(a.next(FrameCase.PRESENCE).getPresence().getOnline()).isFalse();

            var phone = connect(bob);
            phone.drain();
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).isEqualTo(event(bob.accountId(), true, 0));
            long tabletLeaves;
            try (var tablet = connect(bobsTablet)) {
                tablet.drain();
                phone.close();
                UUID bobId = uuid(bob.accountId());
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ((AccountWatch) onlineEntry(bobId)).devices().size() == 1);
                tabletLeaves = clock.millis();
            }
            // Only the last device leaving makes bob offline: an offline for the phone would be older.
            PresenceEvent offline = a.next(FrameCase.PRESENCE).getPresence();
            assertThat(offline.getOnline()).isFalse();
            assertThat(offline.getLastSeenMs()).isGreaterThanOrEqualTo(tabletLeaves);
        }
    }

    @Test
    void anAccountGoingOfflineAgainWithinTheGranularityKeepsItsStoredLastSeenWhichWatchersAndReadersAgreeOn() {
        Participant alice = participant();
        Participant bob = participant();
        showToEveryone(alice, bob);
        try (var a = connect(alice)) {
            a.drain();
            a.send(subscribe(bob.accountId()));
            assertThat(a.next(FrameCase.PRESENCE).getPresence().getOnline()).isFalse();

            long firstLeft = clock.millis();
            try (var phone = connect(bob)) {
                phone.drain();
                assertThat(a.next(FrameCase.PRESENCE).getPresence().getOnline()).isTrue();
            }
            PresenceEvent first = a.next(FrameCase.PRESENCE).getPresence();
            assertThat(first.getLastSeenMs()).isGreaterThanOrEqualTo(firstLeft);

            try (var phone = connect(bob)) { // back and gone again, well within config.lastSeenGranularity()
                phone.drain();
                assertThat(a.next(FrameCase.PRESENCE).getPresence().getOnline()).isTrue();
            }
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("the stored time stands, not a second write")
                    .isEqualTo(first);
            a.send(subscribe(bob.accountId()));
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("what a new reader gets from the database")
                    .isEqualTo(first);
        }
    }

    @Test
    void presenceShownToNobodyIsHonouredBothWaysAndAtOnceForLiveSubscriptions() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        showToEveryone(alice, bob, carol);
        try (var a = connect(alice); var c = connect(carol)) {
            a.drain();
            c.drain();
            a.send(subscribe(bob.accountId(), carol.accountId()));
            assertThat(a.next(FrameCase.PRESENCE).getPresence().getAccountId()).isEqualTo(bob.accountId());
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).isEqualTo(event(carol.accountId(), true, 0));

            show(bob, PresenceVisibility.PRESENCE_VISIBILITY_NOBODY);
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("bob hid: alice's live view of him")
                    .isEqualTo(event(bob.accountId(), false, 0));
            try (var b = connect(bob)) {
                b.drain(); // admitted: an "online" for alice would be on her stream's queue by now
                assertThat(a.sync()).as("alice hears nothing of hidden bob").isEmpty();

                b.send(subscribe(alice.accountId(), carol.accountId()));
                assertThat(List.of(b.next(FrameCase.PRESENCE).getPresence(), b.next(FrameCase.PRESENCE)
                        .getPresence())).as("hidden bob sees nothing of anyone").containsExactly(
                                event(alice.accountId(), false, 0), event(carol.accountId(), false, 0));

                show(bob, PresenceVisibility.PRESENCE_VISIBILITY_EVERYONE);
                assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("shown again: alice's live subscription")
                        .isEqualTo(event(bob.accountId(), true, 0));
                assertThat(List.of(b.next(FrameCase.PRESENCE).getPresence(), b.next(FrameCase.PRESENCE)
                        .getPresence())).as("and bob's own live subscriptions show the others again (in any order)")
                        .containsExactlyInAnyOrder(event(alice.accountId(), true, 0),
                                event(carol.accountId(), true, 0));

                show(alice, PresenceVisibility.PRESENCE_VISIBILITY_NOBODY);
                assertThat(b.next(FrameCase.PRESENCE).getPresence()).as("alice hid herself: bob's view of her")
                        .isEqualTo(event(alice.accountId(), false, 0));
                assertThat(List.of(a.next(FrameCase.PRESENCE).getPresence(), a.next(FrameCase.PRESENCE)
                        .getPresence())).as("hidden alice's own live subscriptions show nothing any more")
                                .containsExactlyInAnyOrder(event(bob.accountId(), false, 0),
                                        event(carol.accountId(), false, 0));
            }
        }
    }

    @Test
    void presenceIsShownToContactsByDefaultBothWaysEnforcedByTheServerAndFollowsContactChanges() {
        Participant alice = participant();
        Participant bob = participant();
        Participant mallory = participant();
        assertThat(privacy(bob).getPrivacy(GetPrivacyRequest.getDefaultInstance()).getPresenceVisibility())
                .as("the default").isEqualTo(PresenceVisibility.PRESENCE_VISIBILITY_CONTACTS);
        try (var a = connect(alice); var b = connect(bob)) {
            a.drain();
            b.drain();
            a.send(subscribe(bob.accountId()));
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("bob online, but alice is no contact of his")
                    .isEqualTo(event(bob.accountId(), false, 0));

            setContacts(bob, alice);
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("bob shows alice, alice doesn't show bob: both"
                    + " ways, still nothing").isEqualTo(event(bob.accountId(), false, 0));
            setContacts(alice, bob);
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("each on the other's list: alice's live view")
                    .isEqualTo(event(bob.accountId(), true, 0));

            PresenceEvent offline;
            try (var m = connect(mallory)) {
                m.drain();
                m.send(subscribe(bob.accountId(), alice.accountId()));
                assertThat(List.of(m.next(FrameCase.PRESENCE).getPresence(),
                        m.next(FrameCase.PRESENCE).getPresence())).as("a stranger sees nothing of either, though"
                                + " both are online").containsExactly(event(bob.accountId(), false, 0),
                                        event(alice.accountId(), false, 0));
                b.close();
                offline = a.next(FrameCase.PRESENCE).getPresence();
                assertThat(offline.getOnline()).isFalse();
                assertThat(offline.getLastSeenMs()).as("alice, a contact, gets bob's last seen").isPositive();
                assertThat(m.sync()).as("the stranger hears nothing of bob going offline").isEmpty();
            }

            setContacts(bob, mallory);
            assertThat(a.next(FrameCase.PRESENCE).getPresence()).as("off bob's list: alice's live view goes")
                    .isEqualTo(event(bob.accountId(), false, 0));
            show(mallory, PresenceVisibility.PRESENCE_VISIBILITY_EVERYONE);
            try (var m = connect(mallory)) {
                m.drain();
                m.send(subscribe(bob.accountId()));
                assertThat(m.next(FrameCase.PRESENCE).getPresence()).as("mallory, now on bob's list and showing"
                        + " hers to everyone, sees his last seen").isEqualTo(offline);
            }
        }
    }

    @Test
    void visibilityIsValidatedAndTheOlderHiddenFlagMapsToNobodyAndEveryone() {
        Participant alice = participant();
        var stub = privacy(alice);
        String message = assertStatus(Status.Code.INVALID_ARGUMENT, () -> stub.setPresenceVisibility(
                SetPresenceVisibilityRequest.newBuilder().setVisibilityValue(0).build()));
        assertThat(message).contains("EVERYONE, CONTACTS or NOBODY");
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> stub.setPresenceVisibility(
                SetPresenceVisibilityRequest.newBuilder().setVisibilityValue(42).build()));
        assertThat(stub.getPrivacy(GetPrivacyRequest.getDefaultInstance()).getPresenceVisibility())
                .as("refused calls change nothing").isEqualTo(PresenceVisibility.PRESENCE_VISIBILITY_CONTACTS);

        stub.setLastSeenHidden(SetLastSeenHiddenRequest.newBuilder().setHidden(true).build());
        var hidden = stub.getPrivacy(GetPrivacyRequest.getDefaultInstance());
        assertThat(hidden.getPresenceVisibility()).isEqualTo(PresenceVisibility.PRESENCE_VISIBILITY_NOBODY);
        assertThat(hidden.getLastSeenHidden()).isTrue();
        stub.setLastSeenHidden(SetLastSeenHiddenRequest.newBuilder().setHidden(false).build());
        var shown = stub.getPrivacy(GetPrivacyRequest.getDefaultInstance());
        assertThat(shown.getPresenceVisibility()).isEqualTo(PresenceVisibility.PRESENCE_VISIBILITY_EVERYONE);
        assertThat(shown.getLastSeenHidden()).isFalse();
    }

    @Test
    void blockedAccountsSeeNoPresenceAndTheirTypingAndMessagesNeverReachTheBlocker() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        showToEveryone(alice, bob, carol);
        privacy(alice).block(BlockRequest.newBuilder().setAccountId(bob.accountId()).build());
        try (var b = connect(bob); var c = connect(carol)) {
            b.drain();
            c.drain();
            try (var a = connect(alice)) {
                a.drain();
                b.send(subscribe(alice.accountId()));
                assertThat(b.next(FrameCase.PRESENCE).getPresence()).as("bob sees nothing of alice")
                        .isEqualTo(event(alice.accountId(), false, 0));
                a.send(subscribe(bob.accountId(), carol.accountId()));
                assertThat(List.of(a.next(FrameCase.PRESENCE).getPresence(), a.next(FrameCase.PRESENCE)
                        .getPresence())).as("alice sees nothing of bob, carol as she is").containsExactly(
                                event(bob.accountId(), false, 0), event(carol.accountId(), true, 0));

                b.send(typing(alice));
                assertThat(b.sync()).as("bob is not told").isEmpty();
                c.send(typing(alice));
                ConnectResponse first = a.next();
                assertThat(first.getTyping().getSenderAccountId()).as("carol's indicator, and nothing of bob's"
                        + " before it").isEqualTo(carol.accountId());

                b.send(sendFrame(1, alice, new byte[] { 1 }));
                assertThat(b.next(FrameCase.SEND_ACK).getSendAck().getClientMessageId()).as("bob gets his tick")
                        .isEqualTo(1);
            }
            try (var a = connect(alice)) {
                assertThat(a.drain()).as("nothing of bob's was stored for alice").isEmpty();

                privacy(alice).unblock(UnblockRequest.newBuilder().setAccountId(bob.accountId()).build());
                assertThat(b.next(FrameCase.PRESENCE).getPresence()).as("bob's live subscription follows the unblock")
                        .isEqualTo(event(alice.accountId(), true, 0));
                b.send(sendFrame(2, alice, new byte[] { 2 }));
                assertThat(a.next(FrameCase.DELIVERY).getDelivery().getSenderAccountId()).isEqualTo(bob.accountId());
            }
        }
    }

    @Test
    void subscriptionsAreBoundedValidatedAndRateLimited() {
        Participant alice = participant();
        try (var a = connect(alice)) {
            a.drain();
            ByteString[] tooMany = IntStream.rangeClosed(0, config.maxSubscriptions())
                    .mapToObj(i -> Ids.bytes(UUID.randomUUID())).toArray(ByteString[]::new);

            a.send(subscribe(tooMany));
            a.send(subscribe(ByteString.copyFrom(new byte[] { 1, 2, 3 })));

            var bound = a.next(FrameCase.ERROR).getError();
            assertThat(bound.getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
            assertThat(bound.getMessage()).contains("257 accounts", "at most 256");
            var malformed = a.next(FrameCase.ERROR).getError();
            assertThat(malformed.getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
            assertThat(malformed.getMessage()).contains("16 bytes");
            // Refused frames cost no budget: the test profile's whole burst (no refill) is there.
            spend(a, config.subscribedIdsBurst());
            a.send(subscribe(stranger()));
            assertThat(a.next(FrameCase.ERROR).getError().getCode())
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
        }
    }

    @Test
    void subscriptionsCostEveryIdTheyNameFromTheAccountsBudgetWhichSurvivesAReconnect() {
        Participant alice = participant();
        Participant alicesTablet = withKeys(link(alice.device(), "tablet"));
        int burst = config.subscribedIdsBurst();
        ByteString[] set = IntStream.range(0, burst / 3).mapToObj(i -> stranger()).toArray(ByteString[]::new);
        try (var first = connect(alice)) {
            first.drain();
            first.send(subscribe(set)); // costs the whole set
            first.send(subscribe(set)); // adds nothing, but every id is looked up again: costs the whole set again
            assertThat(first.sync()).as("both answered").hasSize(2 * set.length)
                    .allMatch(ConnectResponse::hasPresence);
            spend(first, burst - 2 * set.length - 1);
            first.send(subscribe(set[0])); // the budget's last unit
            assertThat(first.next(FrameCase.PRESENCE).getPresence().getAccountId()).isEqualTo(set[0]);
            first.send(subscribe(set[0])); // the same one id again: nothing left for it
            assertThat(first.next(FrameCase.ERROR).getError().getCode())
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
        }
        try (var again = connect(alice); var tablet = connect(alicesTablet)) {
            again.drain();
            tablet.drain();
            again.send(subscribe(set[0]));
            tablet.send(subscribe(set[0]));

            for (var stream : List.of(again, tablet)) {
                FrameError refused = stream.next(FrameCase.ERROR).getError();
                assertThat(refused.getCode()).as("a new stream of the account, this node or another device")
                        .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
                assertThat(refused.getMessage()).contains("retry in");
            }
        }
    }

    /** Spends {@code ids} of the stream's account's subscription budget, on ids that name nobody. */
    private static void spend(RawStream stream, int ids) {
        for (int left = ids; left > 0; left -= 256) {
            stream.send(subscribe(IntStream.range(0, Math.min(left, 256)).mapToObj(i -> stranger())
                    .toArray(ByteString[]::new)));
        }
        assertThat(stream.sync()).as("all answered, none refused").allMatch(ConnectResponse::hasPresence);
    }

    private static ByteString stranger() {
        return Ids.bytes(UUID.randomUUID());
    }

    @Test
    void subscriptionsEndWithTheStream() {
        Participant alice = participant();
        Participant bob = participant();
        UUID bobId = uuid(bob.accountId());
        var a = connect(alice);
        a.drain();
        a.send(subscribe(bob.accountId()));
        a.next(FrameCase.PRESENCE);
        assertThat(onlineEntry(bobId)).as("alice's stream watches bob").isNotNull();

        a.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> onlineEntry(bobId) == null);
    }

    @Test
    void theBlockListIsValidatedAndBounded() {
        Participant alice = participant();
        var stub = privacy(alice);
        assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> stub.block(BlockRequest.newBuilder().setAccountId(alice.accountId()).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> stub.block(BlockRequest.newBuilder().setAccountId(ByteString.copyFromUtf8("short")).build()));
        assertStatus(Status.Code.NOT_FOUND,
                () -> stub.block(BlockRequest.newBuilder().setAccountId(Ids.bytes(UUID.randomUUID())).build()));
        List<Participant> blocked = IntStream.range(0, config.maxBlocked()).mapToObj(i -> participant()).toList();
        blocked.forEach(p -> stub.block(BlockRequest.newBuilder().setAccountId(p.accountId()).build()));
        stub.block(BlockRequest.newBuilder().setAccountId(blocked.get(0).accountId()).build()); // idempotent

        Participant oneMore = participant();
        String message = assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> stub.block(BlockRequest.newBuilder().setAccountId(oneMore.accountId()).build()));

        assertThat(message).contains("at most " + config.maxBlocked());
        assertThat(stub.getPrivacy(GetPrivacyRequest.getDefaultInstance()).getBlockedAccountIdsList())
                .containsExactlyInAnyOrderElementsOf(blocked.stream().map(Participant::accountId).toList());
        stub.unblock(UnblockRequest.newBuilder().setAccountId(blocked.get(0).accountId()).build());
        stub.block(BlockRequest.newBuilder().setAccountId(oneMore.accountId()).build());
        assertThat(stub.getPrivacy(GetPrivacyRequest.getDefaultInstance()).getBlockedAccountIdsList())
                .contains(oneMore.accountId()).doesNotContain(blocked.get(0).accountId());
    }

    private static void showToEveryone(Participant... participants) {
        for (Participant participant : participants) {
            show(participant, PresenceVisibility.PRESENCE_VISIBILITY_EVERYONE);
        }
    }

    private static void show(Participant participant, PresenceVisibility visibility) {
        privacy(participant).setPresenceVisibility(SetPresenceVisibilityRequest.newBuilder()
                .setVisibility(visibility).build());
    }

    private static void setContacts(Participant owner, Participant... contacts) {
        privacy(owner).setContacts(SetContactsRequest.newBuilder()
                .addAllAccountIds(List.of(contacts).stream().map(Participant::accountId).toList()).build());
    }

    private Object onlineEntry(UUID account) {
        return hazelcast.getMap(OnlineWatch.MAP).get(account);
    }


    private static ConnectRequest subscribe(ByteString... accounts) {
        return ConnectRequest.newBuilder().setPresenceSubscribe(PresenceSubscribe.newBuilder()
                .addAllAccountIds(List.of(accounts))).build();
    }

    private static ConnectRequest typing(Participant to) {
        return ConnectRequest.newBuilder().setTyping(Typing.newBuilder().setPeerAccountId(to.accountId())
                .setStarted(true)).build();
    }

    private static PresenceEvent event(ByteString account, boolean online, long lastSeenMs) {
        return PresenceEvent.newBuilder().setAccountId(account).setOnline(online).setLastSeenMs(lastSeenMs).build();
    }

    private static UUID uuid(ByteString id) {
        return Ids.uuid(id, "account_id");
    }
}
