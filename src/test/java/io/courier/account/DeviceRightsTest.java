package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.PreKeyBundle;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.PresenceDirectory;
import io.courier.common.Ids;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.courier.support.SignalDevice;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A device's rights are re-checked where it acts, not only when its call started: each call is held after its
 * credential check (a deterministic "in flight") while the test revokes or replaces the device.
 */
@QuarkusTest
class DeviceRightsTest extends ServerTest {
    @Inject
    GatedCredentialVerifier verifier;

    @Inject
    PresenceDirectory presence;

    private static <T> CompletableFuture<Status> inFlight(java.util.function.Supplier<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                call.get();
                return Status.OK;
            } catch (StatusRuntimeException e) {
                return e.getStatus();
            }
        });
    }

    private static Status outcome(CompletableFuture<Status> call) throws Exception {
        return call.get(15, TimeUnit.SECONDS);
    }

    @Test
    void aLinkCodeRequestAuthenticatedBeforeAReRegistrationMintsNothing() throws Exception {
        RegisteredDevice oldPrimary = registerNew();
        GatedCredentialVerifier.Gate gate = verifier.holdNextAfterCheck(oldPrimary.authToken());
        CompletableFuture<Status> create = inFlight(
                () -> accounts(oldPrimary).createLinkCode(CreateLinkCodeRequest.getDefaultInstance()));
        gate.reached().get(10, TimeUnit.SECONDS);

        register(oldPrimary.phoneNumber()); // the number moves to a new phone
        gate.open().complete(null);

        Status status = outcome(create);
        assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription()).contains("replaced");
    }

    @Test
    void anUploadRacingItsDevicesRevocationLeavesNoKeys() throws Exception {
        Participant primary = participant();
        RegisteredDevice laptop = link(primary.device(), "laptop");
        UploadKeysRequest upload = new SignalDevice(primary.signal().identityKeyPair()).fullUpload(5, 5);

        GatedCredentialVerifier.Gate gate = verifier.holdNextAfterCheck(laptop.authToken());
        CompletableFuture<Status> uploading = inFlight(() -> keys(laptop).uploadKeys(upload));
        gate.reached().get(10, TimeUnit.SECONDS);
        accounts(primary.device()).revokeDevice(RevokeDeviceRequest.newBuilder()
                .setDeviceId(laptop.deviceId()).build()); // its keys are cleaned up before the upload writes
        gate.open().complete(null);

        assertThat(outcome(uploading).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertStatus(Status.Code.NOT_FOUND, () -> keys(primary.device()).getPreKeyBundle(GetPreKeyBundleRequest
                .newBuilder().setAccountId(primary.accountId()).setDeviceId(laptop.deviceId()).build()));
        assertThat(keys(primary.device()).getPreKeyBundle(GetPreKeyBundleRequest.newBuilder()
                        .setAccountId(primary.accountId()).build()).getBundlesList())
                .extracting(PreKeyBundle::getDeviceId).containsExactly(1);
    }

    @Test
    void aReplacedPrimarysUploadCantOverwriteTheNewPrimarysKeys() throws Exception {
        Participant oldPrimary = participant();
        Participant reader = participant();
        UploadKeysRequest refill = oldPrimary.signal().fullUpload(5, 5);

        GatedCredentialVerifier.Gate gate = verifier.holdNextAfterCheck(oldPrimary.device().authToken());
        CompletableFuture<Status> uploading = inFlight(() -> keys(oldPrimary.device()).uploadKeys(refill));
        gate.reached().get(10, TimeUnit.SECONDS);
        Participant newPrimary = withKeys(register(oldPrimary.device().phoneNumber()));
        gate.open().complete(null);

        assertThat(outcome(uploading).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        PreKeyBundle bundle = keys(reader.device()).getPreKeyBundle(GetPreKeyBundleRequest.newBuilder()
                .setAccountId(newPrimary.accountId()).setDeviceId(1).build()).getBundles(0);
        assertThat(bundle.getIdentityKey()).isEqualTo(newPrimary.signal().identityKey());
        assertThat(bundle.getRegistrationId()).isEqualTo(newPrimary.signal().registrationId());
        assertThat(bundle.hasOneTimePreKey()).as("a one-time key of the new install").isTrue();
    }

    @Test
    void aRevokedDeviceWhoseStreamSurvivedIsCutOffAtItsNextFrame() {
        Participant primary = participant();
        Participant laptop = withKeys(link(primary.device(), "laptop"));
        assertCutOffAtNextFrame(laptop, primary, () -> accounts(primary.device()).revokeDevice(
                RevokeDeviceRequest.newBuilder().setDeviceId(laptop.deviceId()).build()));
    }

    @Test
    void aReplacedPrimarysStreamIsCutOffAtItsNextFrame() {
        Participant oldPrimary = participant();
        assertCutOffAtNextFrame(oldPrimary, participant(), () -> register(oldPrimary.device().phoneNumber()));
    }

    /**
     * Opens the device's stream, removes its presence (so the best-effort close can't find the stream), runs
     * {@code removal}, then sends a message: the stream must close with UNAUTHENTICATED instead of a SendAck.
     */
    private void assertCutOffAtNextFrame(Participant device, Participant peer, Runnable removal) {
        try (RawStream stream = connect(device)) {
            stream.drain();
            DeviceAddress address = new DeviceAddress(Ids.uuid(device.accountId(), "account"), device.deviceId());
            presence.unregister(address, presence.lookup(address).block().epoch()).block();
            removal.run();

            stream.send(sendFrame(1, peer, new byte[] { 1 }));

            assertThat(stream.nextUnlessClosed()).as("no SendAck for a device that is no longer current").isEmpty();
            assertThat(stream.awaitClosed().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
    }
}
