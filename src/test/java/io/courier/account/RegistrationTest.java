package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class RegistrationTest extends ServerTest {

    private RegisterRequest registration(String phone, String code) {
        return RegisterRequest.newBuilder().setPhoneNumber(phone).setVerificationSessionId(sessionFor(phone))
                .setVerificationCode(code).setDeviceName("phone").build();
    }

    @Test
    void registeringWithTheSentCodeCreatesAnAccountWithAPrimaryDevice() {
        RegisteredDevice device = registerNew();

        assertThat(device.accountId().size()).isEqualTo(16);
        assertThat(device.deviceId()).isEqualTo(1);
        var devices = accounts(device).listDevices(ListDevicesRequest.getDefaultInstance()).getDevicesList();
        assertThat(devices).singleElement().satisfies(d -> {
            assertThat(d.getDeviceId()).isEqualTo(1);
            assertThat(d.getPrimary()).isTrue();
            assertThat(d.getName()).isEqualTo("phone");
        });
    }

    @Test
    void aWrongCodeIsRefusedAndTheRightOneStillWorks() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        String wrong = code.equals("000000") ? "111111" : "000000";

        String message = assertStatus(Status.Code.PERMISSION_DENIED,
                () -> anonymousAccounts().register(registration(phone, wrong)));
        assertThat(message).contains("4 attempts left");

        var response = anonymousAccounts().register(registration(phone, code));
        assertThat(response.getDeviceId()).isEqualTo(1);
    }

    @Test
    void aCodeIsSpentAfterTooManyWrongGuesses() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        String wrong = code.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 5; i++) {
            assertStatus(Status.Code.PERMISSION_DENIED, () -> anonymousAccounts().register(registration(phone, wrong)));
        }

        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> anonymousAccounts().register(registration(phone, code)));
    }

    @Test
    void anExpiredCodeIsRefused() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        clock.advance(Duration.ofMinutes(11));

        String message = assertStatus(Status.Code.FAILED_PRECONDITION,
                () -> anonymousAccounts().register(registration(phone, code)));
        assertThat(message).contains("expired");
    }

    @Test
    void aCodeWorksOnlyOnce() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        anonymousAccounts().register(registration(phone, code));

        assertStatus(Status.Code.FAILED_PRECONDITION, () -> anonymousAccounts().register(registration(phone, code)));
    }

    @Test
    void registeringWithoutASessionOrWithAnUnknownOneIsRefused() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        String missing = assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts().register(
                RegisterRequest.newBuilder().setPhoneNumber(phone).setVerificationCode(code).build()));
        assertThat(missing).contains("verification_session_id is required");
        String unknown = assertStatus(Status.Code.FAILED_PRECONDITION, () -> anonymousAccounts().register(
                RegisterRequest.newBuilder().setPhoneNumber(phone).setVerificationCode(code)
                        .setVerificationSessionId(ByteString.copyFrom(new byte[16])).build()));
        assertThat(unknown).contains("unknown or expired verification session");

        // Neither was a guess at the session's code.
        String wrong = code.equals("000000") ? "111111" : "000000";
        assertThat(assertStatus(Status.Code.PERMISSION_DENIED,
                () -> anonymousAccounts().register(registration(phone, wrong)))).contains("4 attempts left");
    }

    @Test
    void malformedNumbersAndCodesAreInvalidArguments() {
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts().requestVerificationCode(
                RequestVerificationCodeRequest.newBuilder().setPhoneNumber("0151 1234").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts().requestVerificationCode(
                RequestVerificationCodeRequest.getDefaultInstance()));
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts().register(registration(phone, "12ab56")));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts().register(registration(phone, "1234")));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts().register(registration(phone, code)
                .toBuilder().setDeviceName("x".repeat(65)).build()));

        // None of those counted as a guess: the code still works.
        assertThat(anonymousAccounts().register(registration(phone, code)).getDeviceId()).isEqualTo(1);
    }

    @Test
    void reRegisteringANumberGivesAFreshAccountAndUnlinksEveryEarlierDevice() {
        RegisteredDevice first = registerNew();
        RegisteredDevice linked = link(first, "laptop");

        RegisteredDevice second = register(first.phoneNumber());

        assertThat(second.accountId()).isNotEqualTo(first.accountId());
        assertThat(second.deviceId()).isEqualTo(1);
        assertStatus(Status.Code.UNAUTHENTICATED,
                () -> accounts(first).listDevices(ListDevicesRequest.getDefaultInstance()));
        assertStatus(Status.Code.UNAUTHENTICATED,
                () -> accounts(linked).listDevices(ListDevicesRequest.getDefaultInstance()));
        assertThat(accounts(second).listDevices(ListDevicesRequest.getDefaultInstance()).getDevicesList())
                .extracting(d -> d.getDeviceId()).containsExactly(1);
    }
}
