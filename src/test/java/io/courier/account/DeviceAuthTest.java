package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.GetPreKeyCountRequest;
import io.courier.api.v1.KeyServiceGrpc;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class DeviceAuthTest extends ServerTest {
    private static final ListDevicesRequest LIST = ListDevicesRequest.getDefaultInstance();

    @Test
    void callsWithoutCredentialsAreUnauthenticated() {
        String message = assertStatus(Status.Code.UNAUTHENTICATED, () -> anonymousAccounts().listDevices(LIST));
        assertThat(message).contains("authorization");
        assertStatus(Status.Code.UNAUTHENTICATED, () -> KeyServiceGrpc.newBlockingStub(channel)
                .getPreKeyCount(GetPreKeyCountRequest.getDefaultInstance()));
    }

    @Test
    void malformedHeadersAndTokensAreUnauthenticated() {
        RegisteredDevice device = registerNew();
        var stub = AccountServiceGrpc.newBlockingStub(channel);

        assertStatus(Status.Code.UNAUTHENTICATED, () -> withAuthorization(stub, device.authToken()).listDevices(LIST));
        assertStatus(Status.Code.UNAUTHENTICATED, () -> withAuthorization(stub, "Bearer ").listDevices(LIST));
        assertStatus(Status.Code.UNAUTHENTICATED, () -> withToken(stub, "not*base64").listDevices(LIST));
        assertStatus(Status.Code.UNAUTHENTICATED, () -> withToken(stub, "c2hvcnQ").listDevices(LIST));
    }

    @Test
    void aWrongSecretIsUnauthenticated() {
        RegisteredDevice device = registerNew();
        byte[] raw = Base64.getUrlDecoder().decode(device.authToken());
        raw[raw.length - 1] ^= 0x01;
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);

        String message = assertStatus(Status.Code.UNAUTHENTICATED,
                () -> withToken(AccountServiceGrpc.newBlockingStub(channel), forged).listDevices(LIST));
        assertThat(message).contains("wrong credentials");
    }

    @Test
    void aTokenNamingAnotherDeviceOfTheAccountIsUnauthenticated() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice linked = link(primary, "tablet");
        byte[] raw = Base64.getUrlDecoder().decode(linked.authToken());
        raw[19] = 1; // device id field (bytes 16..19) now says "primary" with the linked device's secret
        String impostor = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);

        assertStatus(Status.Code.UNAUTHENTICATED,
                () -> withToken(AccountServiceGrpc.newBlockingStub(channel), impostor).listDevices(LIST));
    }

    @Test
    void aRevokedDeviceIsUnauthenticatedOnItsNextCall() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice linked = link(primary, "laptop");
        assertThat(accounts(linked).listDevices(LIST).getDevicesCount()).isEqualTo(2);

        accounts(primary).revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(linked.deviceId()).build());

        String message = assertStatus(Status.Code.UNAUTHENTICATED, () -> accounts(linked).listDevices(LIST));
        assertThat(message).contains("revoked");
    }

    @Test
    void aLinkedDeviceCannotActForThePrimaryOrForOtherDevices() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice laptop = link(primary, "laptop");
        RegisteredDevice tablet = link(primary, "tablet");

        assertStatus(Status.Code.PERMISSION_DENIED,
                () -> accounts(laptop).createLinkCode(CreateLinkCodeRequest.getDefaultInstance()));
        assertStatus(Status.Code.PERMISSION_DENIED, () -> accounts(laptop)
                .revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(tablet.deviceId()).build()));
        assertThat(accounts(tablet).listDevices(LIST).getDevicesCount()).isEqualTo(3);
    }
}
