package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * One identity per account and safety numbers, with the SDK against a real node: both sides compute the same number,
 * a linked device presents the account's identity, and a contact's new identity is announced, or, once the contact
 * is verified, blocks sending until the user approves it.
 */
@QuarkusTest
class IdentityTrustTest extends ServerTest {
    private static final String PIN = "2468";

    private ClientHarness registered(String phone) {
        return ClientHarness.registered(channel, ClientStore.inMemory(), phone, verificationCodes);
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    /** The number registered again on a new install (new identity), keeping its account id with the PIN. */
    private ClientHarness reinstalled(String phone) {
        CourierClient client = CourierClient.create(channel, ClientStore.inMemory());
        var session = client.requestVerificationCode(phone).block();
        client.register(session, verificationCodes.lastCodeFor(phone), "new phone", PIN).block();
        return new ClientHarness(client);
    }

    /**
     * Bob's first install, under a Registration Lock (a reinstall keeps the account id), gets a message from alice,
     * so she holds his first identity key; it is closed on return.
     */
    private UUID contactWithALock(ClientHarness alice, String bobPhone) {
        try (ClientHarness oldBob = registered(bobPhone).online()) {
            oldBob.client.setRegistrationLock(PIN).block();
            alice.client.send(account(oldBob), text("before")).block();
            assertThat(text(oldBob.nextMessage())).isEqualTo("before");
            return account(oldBob);
        }
    }

    @Test
    void bothSidesComputeTheSameSafetyNumberAndEachScansTheOther() {
        try (ClientHarness alice = registered(randomPhoneNumber()); ClientHarness bob = registered(randomPhoneNumber());
                ClientHarness carol = registered(randomPhoneNumber())) {
            SafetyNumber aliceSees = alice.client.safetyNumber(account(bob)).block();
            SafetyNumber bobSees = bob.client.safetyNumber(account(alice)).block();
            SafetyNumber carolSees = carol.client.safetyNumber(account(bob)).block();

            assertThat(aliceSees.digits()).hasSize(60).containsOnlyDigits().isEqualTo(bobSees.digits());
            assertThat(aliceSees.matchesScanned(bobSees.scannable())).isTrue();
            assertThat(bobSees.matchesScanned(aliceSees.scannable())).isTrue();
            assertThat(carolSees.digits()).isNotEqualTo(aliceSees.digits());
            assertThat(bobSees.matchesScanned(carolSees.scannable())).isFalse();
            assertThat(alice.client.trust(account(bob))).isEqualTo(TrustLevel.UNVERIFIED);
        }
    }

    @Test
    void aLinkedDevicePresentsTheAccountsIdentityAndReceives() {
        try (ClientHarness alice = registered(randomPhoneNumber()).online();
                ClientHarness bob = registered(randomPhoneNumber()).online()) {
            List<IdentityChange> changes = new CopyOnWriteArrayList<>();
            alice.client.identityChanges().subscribe(changes::add);
            SafetyNumber before = alice.client.safetyNumber(account(bob)).block();

            try (ClientHarness laptop = new ClientHarness(ClientHarness.linkedTo(channel, bob.client, "laptop"))
                    .online()) {
                alice.client.send(account(bob), text("to both devices")).block();

                assertThat(text(laptop.nextMessage())).isEqualTo("to both devices");
                assertThat(text(bob.nextMessage())).isEqualTo("to both devices");
                assertThat(laptop.client.safetyNumber(account(alice)).block().digits())
                        .as("the laptop's safety number with alice is the phone's").isEqualTo(before.digits());
                assertThat(alice.client.safetyNumber(account(bob)).block().digits()).isEqualTo(before.digits());
                assertThat(changes).as("the laptop's keys are the account's: no identity change").isEmpty();

                laptop.client.send(account(alice), text("from the laptop")).block();
                IncomingMessage fromLaptop = alice.nextMessage();
                assertThat(text(fromLaptop)).isEqualTo("from the laptop");
                assertThat(fromLaptop.senderDevice()).isEqualTo(laptop.client.credentials().deviceId());
            }
        }
    }

    @Test
    void aVerifiedContactsNewIdentityBlocksSendingUntilApproved() {
        String bobPhone = randomPhoneNumber();
        try (ClientHarness alice = registered(randomPhoneNumber()).online()) {
            List<IdentityChange> changes = new CopyOnWriteArrayList<>();
            alice.client.identityChanges().subscribe(changes::add);
            UUID bob = contactWithALock(alice, bobPhone);
            SafetyNumber verified = alice.client.safetyNumber(bob).block();
            alice.client.verify(verified);
            assertThat(alice.client.trust(bob)).isEqualTo(TrustLevel.VERIFIED);

            try (ClientHarness newBob = reinstalled(bobPhone).online()) {
                assertThat(account(newBob)).as("the PIN keeps the account id").isEqualTo(bob);

                Throwable refused = catchThrowable(() -> alice.client.send(bob, text("blocked")).block());

                assertThat(refused).isInstanceOf(IdentityChangedException.class);
                assertThat(((IdentityChangedException) refused).account()).isEqualTo(bob);
                assertThat(changes).containsExactly(new IdentityChange(bob, true));
                assertThat(alice.client.trust(bob)).isEqualTo(TrustLevel.CHANGED_SINCE_VERIFIED);
                assertThat(catchThrowable(() -> alice.client.send(bob, text("still blocked")).block()))
                        .as("blocked until approved").isInstanceOf(IdentityChangedException.class);
                SafetyNumber changed = alice.client.safetyNumber(bob).block();
                assertThat(changed.digits()).isNotEqualTo(verified.digits());

                alice.client.approve(bob);
                alice.client.send(bob, text("after approval")).block();

                assertThat(text(newBob.nextMessage())).isEqualTo("after approval");
                assertThat(alice.client.trust(bob)).isEqualTo(TrustLevel.UNVERIFIED);
                assertThat(newBob.client.safetyNumber(account(alice)).block().digits())
                        .isEqualTo(changed.digits());
            }
        }
    }

    @Test
    void anUnverifiedContactsNewIdentityIsAnnouncedAndSendingGoesOn() {
        String bobPhone = randomPhoneNumber();
        try (ClientHarness alice = registered(randomPhoneNumber()).online()) {
            List<IdentityChange> changes = new CopyOnWriteArrayList<>();
            alice.client.identityChanges().subscribe(changes::add);
            UUID bob = contactWithALock(alice, bobPhone);

            try (ClientHarness newBob = reinstalled(bobPhone).online()) {
                alice.client.send(bob, text("after the reinstall")).block();

                assertThat(text(newBob.nextMessage())).isEqualTo("after the reinstall");
                assertThat(changes).containsExactly(new IdentityChange(bob, false));
                assertThat(alice.client.trust(bob)).isEqualTo(TrustLevel.UNVERIFIED);
            }
        }
    }
}
