package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.message.SenderKeyMessage;

import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** Group messages through the SDK: Sender Keys distributed pairwise, rotated on removal, ticks per member and all. */
@QuarkusTest
class ClientGroupMessagingTest extends ServerTest {
    @Inject
    CqlSession session;

    /** A registered client whose store the test keeps, to look at its keys afterwards. */
    private record Member(ClientHarness harness, ClientStore store) implements AutoCloseable {
        CourierClient client() {
            return harness.client;
        }

        UUID id() {
            return harness.client.credentials().accountId();
        }

        @Override
        public void close() {
            harness.close();
        }
    }

    private Member online() {
        ClientStore store = ClientStore.inMemory();
        ClientHarness harness = ClientHarness.registered(channel, store, randomPhoneNumber(), verificationCodes);
        harness.online();
        return new Member(harness, store);
    }

    /** The next message the app gets: it must be {@code text} from {@code sender} in {@code group}. */
    private static IncomingMessage expect(Member receiver, Member sender, UUID group, String text) {
        IncomingMessage message = receiver.harness().nextMessage();
        assertThat(text(message)).isEqualTo(text);
        assertThat(message.sender()).isEqualTo(sender.id());
        assertThat(message.group()).contains(group);
        return message;
    }

    /** The Sender Key ciphertext the server stored for a group message (stored once, referenced by every inbox). */
    private byte[] storedCiphertext(long serverId) {
        return session.execute("SELECT ciphertext FROM shared_payloads WHERE payload_id = ?", serverId).one()
                .getByteBuffer("ciphertext").array();
    }

    @Test
    void threeMembersTalkInAGroupAndTheSenderSeesTicksPerMemberAndInAll() throws Exception {
        try (Member alice = online(); Member bob = online(); Member carol = online()) {
            BlockingQueue<GroupMessageStatus> statuses = new LinkedBlockingQueue<>();
            alice.client().groupStatuses().subscribe(statuses::add);
            UUID group = CourierClient.groupId(
                    alice.client().createGroup(List.of(bob.id(), carol.id()), new byte[0]).block());

            SentMessage sent = alice.client().sendToGroup(group, text("hello, group")).block();
            IncomingMessage atBob = expect(bob, alice, group, "hello, group");
            IncomingMessage atCarol = expect(carol, alice, group, "hello, group");
            assertThat(atBob.serverId()).isEqualTo(sent.serverId()).isEqualTo(atCarol.serverId());

            await().atMost(Duration.ofSeconds(20)).until(() -> statuses.stream()
                    .anyMatch(s -> s.serverId() == sent.serverId() && s.deliveredToAll()));
            bob.client().markRead(atBob);
            carol.client().markRead(atCarol);
            await().atMost(Duration.ofSeconds(20)).until(() -> statuses.stream().anyMatch(s -> s.readByAll()));
            assertThat(statuses).allSatisfy(s -> {
                assertThat(s.serverId()).isEqualTo(sent.serverId());
                assertThat(s.group()).isEqualTo(group);
                assertThat(s.members()).isEqualTo(2);
            });
            assertThat(statuses.stream().map(GroupMessageStatus::delivered)).as("counted up, never down")
                    .isSorted();
            List<Tick> ticks = List.of(alice.harness().nextTick(), alice.harness().nextTick(),
                    alice.harness().nextTick(), alice.harness().nextTick());
            assertThat(ticks).as("per member, and none for the key distributions sent before")
                    .allSatisfy(t -> {
                        assertThat(t.serverId()).isEqualTo(sent.serverId());
                        assertThat(t.group()).contains(group);
                    })
                    .extracting(Tick::recipient, Tick::state)
                    .containsExactlyInAnyOrder(
                            tuple(bob.id(), Tick.State.DELIVERED),
                            tuple(carol.id(), Tick.State.DELIVERED),
                            tuple(bob.id(), Tick.State.READ),
                            tuple(carol.id(), Tick.State.READ));

            bob.client().sendToGroup(group, text("hi from bob")).block();
            expect(alice, bob, group, "hi from bob");
            expect(carol, bob, group, "hi from bob");
            carol.client().sendToGroup(group, text("and carol")).block();
            carol.client().sendToGroup(group, text("twice")).block();
            for (Member receiver : List.of(alice, bob)) {
                expect(receiver, carol, group, "and carol");
                expect(receiver, carol, group, "twice");
            }
        }
    }

    @Test
    void aRemovedMemberCannotReadWhatFollowsAndAnAddedMemberCan() throws Exception {
        try (Member alice = online(); Member bob = online(); Member carol = online(); Member dave = online()) {
            UUID group = CourierClient.groupId(
                    alice.client().createGroup(List.of(bob.id(), carol.id()), new byte[0]).block());
            SentMessage before = alice.client().sendToGroup(group, text("before")).block();
            expect(bob, alice, group, "before");
            expect(carol, alice, group, "before");

            alice.client().removeMembers(group, List.of(carol.id())).block();
            SentMessage after = alice.client().sendToGroup(group, text("after")).block();
            expect(bob, alice, group, "after");

            byte[] afterCiphertext = storedCiphertext(after.serverId());
            assertThat(new SenderKeyMessage(afterCiphertext).getDistributionId()).as("a new Sender Key")
                    .isNotEqualTo(new SenderKeyMessage(storedCiphertext(before.serverId())).getDistributionId());
            GroupSessions carolsKeys = new GroupSessions(carol.store(), new GroupState(carol.store()),
                    SessionCrypto.address(carol.id(), 1));
            assertThatThrownBy(() -> carolsKeys.decrypt(alice.id(), 1, afterCiphertext))
                    .as("carol holds only the key from before her removal").isInstanceOf(NoSessionException.class);

            alice.client().addMembers(group, List.of(dave.id())).block();
            alice.client().sendToGroup(group, text("welcome, dave")).block();
            expect(dave, alice, group, "welcome, dave");
            expect(bob, alice, group, "welcome, dave");
            dave.client().sendToGroup(group, text("thanks")).block();
            expect(alice, dave, group, "thanks");
            expect(bob, dave, group, "thanks");
            assertThat(carol.harness().messages).as("nothing after her removal reached carol's app").isEmpty();
        }
    }

    @Test
    void everyDeviceOfAMemberReadsTheGroupAndTheSendersOtherDeviceGetsItsCopy() {
        try (Member alice = online(); Member bob = online()) {
            CourierClient laptopClient = ClientHarness.linkedTo(channel, alice.client(), "laptop");
            try (ClientHarness aliceLaptop = new ClientHarness(laptopClient).online()) {
                UUID group = CourierClient.groupId(
                        alice.client().createGroup(List.of(bob.id()), new byte[0]).block());

                alice.client().sendToGroup(group, text("from the phone")).block();
                expect(bob, alice, group, "from the phone");
                IncomingMessage copy = aliceLaptop.nextMessage();
                assertThat(text(copy)).isEqualTo("from the phone");
                assertThat(copy.group()).contains(group);
                assertThat(copy.senderDevice()).isEqualTo(alice.client().credentials().deviceId());

                bob.client().sendToGroup(group, text("to both of alice's devices")).block();
                expect(alice, bob, group, "to both of alice's devices");
                IncomingMessage atLaptop = aliceLaptop.nextMessage();
                assertThat(text(atLaptop)).isEqualTo("to both of alice's devices");
                assertThat(atLaptop.group()).contains(group);
            }
        }
    }

    @Test
    void aDeviceLinkedAfterTheKeyWentOutAsksForItAndReadsWhatFollows() {
        try (Member alice = online(); Member bob = online()) {
            UUID group = CourierClient.groupId(alice.client().createGroup(List.of(bob.id()), new byte[0]).block());
            alice.client().sendToGroup(group, text("before the tablet")).block();
            expect(bob, alice, group, "before the tablet");

            CourierClient tabletClient = ClientHarness.linkedTo(channel, bob.client(), "tablet");
            try (ClientHarness tablet = new ClientHarness(tabletClient).online()) {
                // Alice's key went out before the tablet existed: the tablet can't read this, and asks her for it.
                alice.client().sendToGroup(group, text("unreadable on the tablet")).block();
                expect(bob, alice, group, "unreadable on the tablet");

                // Once alice has the request, her next send distributes the key to every device of bob's.
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    alice.client().sendToGroup(group, text("after the request")).block();
                    IncomingMessage next = tablet.messages.poll(2, TimeUnit.SECONDS);
                    assertThat(next).as("a message the tablet could read").isNotNull();
                    assertThat(text(next)).isEqualTo("after the request");
                    assertThat(next.group()).contains(group);
                });
            }
        }
    }
}
