package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AccountEvent;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.LinkDeviceRequest;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.LookupAccountRequest;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.common.Ids;
import io.courier.common.RetryAfter;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class DeviceLinkingTest extends ServerTest {
    private static final ListDevicesRequest LIST = ListDevicesRequest.getDefaultInstance();

    @Inject
    RefusingDeviceListener refusing;

    private String linkCode(RegisteredDevice primary) {
        return accounts(primary).createLinkCode(CreateLinkCodeRequest.getDefaultInstance()).getLinkCode();
    }

    private static LinkDeviceRequest linkRequest(String code) {
        return LinkDeviceRequest.newBuilder().setLinkCode(code).setDeviceName("desktop").build();
    }

    @Test
    void anAccountCreatesLinkCodesOnlyWithinItsBudget() {
        RegisteredDevice primary = registerNew();
        for (int i = 0; i < 40; i++) { // %test.courier.accounts.limits.link-codes-per-account-burst
            linkCode(primary);
        }
        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> linkCode(primary)))
                .contains("link codes created by this account");
        assertThat(linkCode(registerNew())).as("another account's budget is its own").isNotEmpty();
    }

    @Test
    void aLinkedDeviceJoinsTheAccountWithItsOwnIdAndCredential() {
        RegisteredDevice primary = registerNew();

        RegisteredDevice laptop = link(primary, "laptop");
        RegisteredDevice tablet = link(primary, "tablet");

        assertThat(laptop.accountId()).isEqualTo(primary.accountId());
        assertThat(laptop.deviceId()).isEqualTo(2);
        assertThat(tablet.deviceId()).isEqualTo(3);
        assertThat(accounts(laptop).listDevices(LIST).getDevicesList())
                .extracting(d -> d.getDeviceId() + ":" + d.getName() + ":" + d.getPrimary())
                .containsExactly("1:phone:true", "2:laptop:false", "3:tablet:false");
    }

    @Test
    void theProvisioningMessageTravelsUnreadFromTheCodeToTheLinkedDevice() {
        RegisteredDevice primary = registerNew();
        ByteString sealed = ByteString.copyFrom(new byte[] { 1, 2, 3, (byte) 0xff });
        String code = accounts(primary).createLinkCode(CreateLinkCodeRequest.newBuilder()
                .setProvisioningMessage(sealed).build()).getLinkCode();

        assertThat(anonymousAccounts().linkDevice(linkRequest(code)).getProvisioningMessage()).isEqualTo(sealed);
    }

    @Test
    void aLinkCodeWorksOnce() {
        RegisteredDevice primary = registerNew();
        String code = linkCode(primary);
        anonymousAccounts().linkDevice(linkRequest(code));

        assertStatus(Status.Code.FAILED_PRECONDITION, () -> anonymousAccounts().linkDevice(linkRequest(code)));
        assertThat(accounts(primary).listDevices(LIST).getDevicesCount()).isEqualTo(2);
    }

    @Test
    void unknownAndExpiredLinkCodesAreRefused() {
        RegisteredDevice primary = registerNew();
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> anonymousAccounts().linkDevice(linkRequest("nope")));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts().linkDevice(linkRequest("")));

        String code = linkCode(primary);
        clock.advance(Duration.ofMinutes(11));
        String message = assertStatus(Status.Code.FAILED_PRECONDITION,
                () -> anonymousAccounts().linkDevice(linkRequest(code)));
        assertThat(message).contains("expired");
    }

    @Test
    void theDeviceCapHoldsAndTheCodeSurvivesARefusal() {
        RegisteredDevice primary = registerNew();
        List<RegisteredDevice> linked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            linked.add(link(primary, "device " + i));
        }
        String code = linkCode(primary);

        String message = assertStatus(Status.Code.FAILED_PRECONDITION,
                () -> anonymousAccounts().linkDevice(linkRequest(code)));
        assertThat(message).contains("maximum");
        assertThat(accounts(primary).listDevices(LIST).getDevicesCount()).isEqualTo(6);

        accounts(primary).revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(linked.get(0).deviceId()).build());
        var added = anonymousAccounts().linkDevice(linkRequest(code));
        assertThat(added.getDeviceId()).as("device ids are never reused").isEqualTo(7);
        assertThat(accounts(primary).listDevices(LIST).getDevicesCount()).isEqualTo(6);
    }

    @Test
    void aLinkWhoseNoticeFailsIsUndoneAndItsCodeWorksOnTheNextTry() {
        RegisteredDevice primary = registerNew();
        String code = linkCode(primary);
        refusing.refuseNextLinkTo(Ids.uuid(primary.accountId(), "account"));

        assertThat(assertStatus(Status.Code.UNAVAILABLE, () -> anonymousAccounts().linkDevice(linkRequest(code))))
                .contains("not linked; try again");
        assertThat(accounts(primary).listDevices(LIST).getDevicesList()).as("no device joined unannounced")
                .extracting(d -> d.getDeviceId()).containsExactly(1);

        var added = anonymousAccounts().linkDevice(linkRequest(code));
        assertThat(accounts(primary).listDevices(LIST).getDevicesList()).extracting(d -> d.getDeviceId())
                .containsExactly(1, added.getDeviceId());
    }

    @Test
    void aFailedUndoOfALinkIsTheCallsErrorNotSwallowedAndTheCodeStillWorks() {
        RegisteredDevice primary = registerNew();
        String code = linkCode(primary);
        var account = Ids.uuid(primary.accountId(), "account");
        refusing.refuseNextLinkTo(account);
        refusing.refuseNextRemovalFrom(account);

        assertThat(assertStatus(Status.Code.UNAVAILABLE, () -> anonymousAccounts().linkDevice(linkRequest(code))))
                .as("the removal's failure, logged under a reference").startsWith("server error; retry (ref ");

        var added = anonymousAccounts().linkDevice(linkRequest(code));
        assertThat(accounts(primary).listDevices(LIST).getDevicesList()).extracting(d -> d.getDeviceId())
                .contains(1, added.getDeviceId());
    }

    @Test
    void everyOtherDeviceOfTheAccountIsToldOfALinkedDeviceEvenIfOfflineThenButNotTheNewDeviceItself() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice laptop = link(primary, "laptop");
        Instant before = clock.instant();
        RegisteredDevice tablet = link(primary, "tablet");
        Instant after = clock.instant();

        // Nobody was connected: the notices waited in the queues.
        try (RawStream phone = new RawStream(channel, primary.authToken())) {
            List<ConnectResponse> frames = phone.drain();
            List<AccountEvent> events = accountEvents(frames);
            assertThat(events).extracting(e -> e.getDeviceLinked().getDeviceId() + ":"
                    + e.getDeviceLinked().getDeviceName()).containsExactly("2:laptop", "3:tablet");
            assertThat(Instant.ofEpochMilli(events.get(1).getDeviceLinked().getLinkedAtMs()))
                    .isBetween(before.truncatedTo(ChronoUnit.MILLIS), after);
            assertThat(frames).as("no credential travels with a notice").allSatisfy(frame -> assertThat(
                    frame.toByteString().toStringUtf8()).doesNotContain(laptop.authToken(), tablet.authToken()));
            phone.ack(events.stream().mapToLong(AccountEvent::getServerId).toArray());
            assertThat(phone.sync()).isEmpty();
        }
        try (RawStream phone = new RawStream(channel, primary.authToken())) {
            assertThat(phone.drain()).as("acked notices are gone").isEmpty();
        }
        try (RawStream laptopStream = new RawStream(channel, laptop.authToken())) {
            assertThat(accountEvents(laptopStream.drain())).as("the laptop hears of the tablet only")
                    .extracting(e -> e.getDeviceLinked().getDeviceName()).containsExactly("tablet");
        }
        try (RawStream tabletStream = new RawStream(channel, tablet.authToken())) {
            assertThat(tabletStream.drain()).as("the new device is not told of itself").isEmpty();
        }
    }

    private static List<AccountEvent> accountEvents(List<ConnectResponse> frames) {
        return frames.stream().filter(ConnectResponse::hasAccountEvent).map(ConnectResponse::getAccountEvent).toList();
    }

    @Test
    void revokingRules() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice laptop = link(primary, "laptop");

        assertStatus(Status.Code.FAILED_PRECONDITION,
                () -> accounts(primary).revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(1).build()));
        assertStatus(Status.Code.NOT_FOUND,
                () -> accounts(primary).revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(42).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> accounts(primary).revokeDevice(RevokeDeviceRequest.getDefaultInstance()));

        // A linked device may unlink itself.
        accounts(laptop).revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(laptop.deviceId()).build());
        assertThat(accounts(primary).listDevices(LIST).getDevicesList()).extracting(d -> d.getDeviceId())
                .containsExactly(1);
    }

    @Test
    void reRegisteringTheNumberVoidsLinkCodesOfThePreviousPrimary() {
        RegisteredDevice primary = registerNew();
        String code = linkCode(primary);

        register(primary.phoneNumber());

        assertStatus(Status.Code.FAILED_PRECONDITION, () -> anonymousAccounts().linkDevice(linkRequest(code)));
    }

    @Test
    void lookupFindsRegisteredNumbersOnly() {
        RegisteredDevice alice = registerNew();
        RegisteredDevice bob = registerNew();

        var found = accounts(alice).lookupAccount(
                LookupAccountRequest.newBuilder().setPhoneNumber(bob.phoneNumber()).build());
        assertThat(found.getAccountId()).isEqualTo(bob.accountId());
        assertStatus(Status.Code.NOT_FOUND, () -> accounts(alice).lookupAccount(
                LookupAccountRequest.newBuilder().setPhoneNumber(randomPhoneNumber()).build()));
    }

    /** Issue 21, "Why" 8: an address book at once (2,000, the default), then one number per 30 s, per account. */
    /** Looks a random number up: null if answered (found or not), else the refusal, which must be for the budget. */
    private static StatusRuntimeException lookUp(RegisteredDevice device) {
        try {
            accounts(device).lookupAccount(LookupAccountRequest.newBuilder().setPhoneNumber(randomPhoneNumber())
                    .build());
            return null;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return null;
            }
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            return e;
        }
    }

    @Test
    void anAccountLooksUpAnAddressBookAtOnceThenNumbersTrickle() {
        RegisteredDevice enumerator = registerNew();
        long start = System.nanoTime();
        int answered = 0;
        StatusRuntimeException refusal = null;
        while (refusal == null && answered <= 2_100) {
            refusal = lookUp(enumerator);
            answered += refusal == null ? 1 : 0;
        }
        long refilled = Duration.ofNanos(System.nanoTime() - start).dividedBy(Duration.ofSeconds(30));

        assertThat(answered).as("the burst, and what refilled meanwhile").isBetween(2_000, 2_000 + (int) refilled);
        assertThat(refusal.getStatus().getDescription()).contains("account lookups");
        // The trickle: once the hint's wait has passed, exactly one more number, then the next refill's wait.
        clock.advance(Duration.ofMillis(Long.parseLong(refusal.getTrailers().get(RetryAfter.TRAILER)) + 1));
        assertThat(lookUp(enumerator)).as("one more after the wait").isNull();
        assertThat(lookUp(enumerator)).as("and only one").isNotNull();
        RegisteredDevice other = registerNew();
        assertThat(accounts(other).lookupAccount(LookupAccountRequest.newBuilder()
                .setPhoneNumber(enumerator.phoneNumber()).build()).getAccountId())
                .as("another account's budget is its own").isEqualTo(enumerator.accountId());
    }
}
