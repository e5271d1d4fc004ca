package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.state.SessionRecord;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Resend on decryption error between real clients through a real node: a device whose session with the sender broke
 * (lost, or restored from an old copy) gets the message anyway, sent again after its resend request, and the chat
 * goes on both ways on the new session.
 */
@QuarkusTest
class ClientResendTest extends ServerTest {

    private ClientHarness registered(ClientStore store) {
        return ClientHarness.registered(channel, store, randomPhoneNumber(), verificationCodes);
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    @Test
    void aMessageOnASessionTheRecipientLostArrivesAfterTheResend() throws Exception {
        ClientStore bobStore = ClientStore.inMemory();
        try (ClientHarness alice = registered(ClientStore.inMemory()).online();
                ClientHarness bob = registered(bobStore).online()) {
            talk(alice, bob);

            bobStore.deleteAllSessions(account(alice).toString());

            assertArrivesAndTheChatGoesOn(alice, bob);
        }
    }

    @Test
    void aMessageOnASessionTheRecipientRestoredFromAnOldCopyArrivesAfterTheResend() throws Exception {
        ClientStore bobStore = ClientStore.inMemory();
        try (ClientHarness alice = registered(ClientStore.inMemory()).online();
                ClientHarness bob = registered(bobStore).online()) {
            talk(alice, bob);
            SignalProtocolAddress withAlice = SessionCrypto.address(account(alice), 1);
            byte[] oldCopy = bobStore.loadSession(withAlice).serialize();
            talk(alice, bob); // both ratchets turn: the old copy no longer opens what Alice sends

            bobStore.storeSession(withAlice, new SessionRecord(oldCopy));

            assertArrivesAndTheChatGoesOn(alice, bob);
        }
    }

    /** A message each way. */
    private static void talk(ClientHarness alice, ClientHarness bob) {
        alice.client.send(account(bob), text("hello bob")).block();
        assertThat(text(bob.nextMessage())).isEqualTo("hello bob");
        bob.client.send(account(alice), text("hello alice")).block();
        assertThat(text(alice.nextMessage())).isEqualTo("hello alice");
    }

    private static void assertArrivesAndTheChatGoesOn(ClientHarness alice, ClientHarness bob) {
        SentMessage sent = alice.client.send(account(bob), text("after the break")).block();

        IncomingMessage resent = bob.nextMessage();
        assertThat(text(resent)).isEqualTo("after the break");
        assertThat(resent.ref()).isEqualTo(new MessageRef(account(alice), sent.sentAtMs()));
        assertThat(resent.serverId()).as("a new copy").isNotEqualTo(sent.serverId());
        assertThat(alice.messages).as("the request and the session's start are the SDK's own").isEmpty();

        alice.client.send(account(bob), text("still there?")).block();
        assertThat(text(bob.nextMessage())).isEqualTo("still there?");
        bob.client.send(account(alice), text("yes")).block();
        assertThat(text(alice.nextMessage())).isEqualTo("yes");
    }
}
