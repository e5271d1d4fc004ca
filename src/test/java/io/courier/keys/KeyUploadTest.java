package io.courier.keys;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.GetPreKeyCountRequest;
import io.courier.api.v1.PreKey;
import io.courier.api.v1.SignedPreKey;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.courier.support.SignalDevice;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class KeyUploadTest extends ServerTest {
    private static final GetPreKeyCountRequest COUNT = GetPreKeyCountRequest.getDefaultInstance();

    private static SignedPreKey withFlippedSignature(SignedPreKey key) {
        byte[] signature = key.getSignature().toByteArray();
        signature[5] ^= 0x40;
        return key.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
    }

    /** Nothing was stored: no bundle can be fetched for the device and no one-time key is counted. */
    private void assertNothingStored(RegisteredDevice device) {
        RegisteredDevice fetcher = registerNew();
        assertStatus(Status.Code.NOT_FOUND, () -> keys(fetcher).getPreKeyBundle(
                GetPreKeyBundleRequest.newBuilder().setAccountId(device.accountId()).build()));
        var counts = keys(device).getPreKeyCount(COUNT);
        assertThat(counts.getOneTimePreKeyCount()).isZero();
        assertThat(counts.getKyberPreKeyCount()).isZero();
    }

    @Test
    void aCompleteUploadIsStoredAndCounted() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();

        var response = keys(device).uploadKeys(signal.fullUpload(100, 10));

        assertThat(response.getOneTimePreKeyCount()).isEqualTo(100);
        assertThat(response.getKyberPreKeyCount()).isEqualTo(10);
        assertThat(keys(device).getPreKeyCount(COUNT).getOneTimePreKeyCount()).isEqualTo(100);
    }

    @Test
    void aBadSignedPreKeySignatureIsRefusedAndStoresNothing() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();
        UploadKeysRequest upload = signal.fullUpload(5, 5);
        UploadKeysRequest forged = upload.toBuilder().setSignedPreKey(withFlippedSignature(upload.getSignedPreKey()))
                .build();

        String message = assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(forged));

        assertThat(message).contains("signed_pre_key").contains("signature");
        assertNothingStored(device);
    }

    @Test
    void aBadKyberSignatureIsRefusedAndStoresNothing() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();
        UploadKeysRequest upload = signal.fullUpload(5, 3);
        UploadKeysRequest badOneTime = upload.toBuilder()
                .setKyberPreKeys(2, withFlippedSignature(upload.getKyberPreKeys(2))).build();
        UploadKeysRequest badLastResort = upload.toBuilder()
                .setKyberLastResortPreKey(withFlippedSignature(upload.getKyberLastResortPreKey())).build();

        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(badOneTime)))
                .contains("kyber_pre_keys");
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(badLastResort)))
                .contains("kyber_last_resort_pre_key");
        assertNothingStored(device);
    }

    @Test
    void keysSignedByAnotherIdentityAreRefused() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();
        SignalDevice stranger = new SignalDevice();
        UploadKeysRequest upload = signal.fullUpload(1, 1).toBuilder()
                .setSignedPreKey(stranger.signedEcPreKey()).build();

        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(upload));
        assertNothingStored(device);
    }

    @Test
    void malformedKeysAndOversizedBatchesAreInvalidArguments() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();
        UploadKeysRequest valid = signal.fullUpload(1, 1);

        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(
                valid.toBuilder().setIdentityKey(ByteString.copyFromUtf8("not a key")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(valid.toBuilder()
                .addOneTimePreKeys(PreKey.newBuilder().setKeyId(999).setPublicKey(ByteString.copyFrom(new byte[33])))
                .build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(valid.toBuilder()
                .addAllOneTimePreKeys(signal.oneTimeEcPreKeys(100)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(valid.toBuilder()
                .addOneTimePreKeys(valid.getOneTimePreKeys(0)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(valid.toBuilder()
                .setRegistrationId(20000).build()));
        assertNothingStored(device);
    }

    @Test
    void theFirstUploadMustBeComplete() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();
        UploadKeysRequest onlyOneTimeKeys = UploadKeysRequest.newBuilder()
                .addAllOneTimePreKeys(signal.oneTimeEcPreKeys(3)).build();
        UploadKeysRequest noLastResort = signal.fullUpload(1, 1).toBuilder().clearKyberLastResortPreKey().build();

        assertStatus(Status.Code.FAILED_PRECONDITION, () -> keys(device).uploadKeys(onlyOneTimeKeys));
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> keys(device).uploadKeys(noLastResort));
        assertNothingStored(device);
    }

    @Test
    void theIdentityKeyOfADeviceNeverChanges() {
        RegisteredDevice device = registerNew();
        keys(device).uploadKeys(new SignalDevice().fullUpload(2, 2));

        String message = assertStatus(Status.Code.FAILED_PRECONDITION,
                () -> keys(device).uploadKeys(new SignalDevice().fullUpload(7, 7)));

        assertThat(message).contains("identity_key");
        assertThat(keys(device).getPreKeyCount(COUNT).getOneTimePreKeyCount()).isEqualTo(2);
    }

    @Test
    void aRefillReplacesTheOneTimeKeysAndAnEmptyUploadIsRefused() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();
        keys(device).uploadKeys(signal.fullUpload(10, 4));

        var refill = keys(device).uploadKeys(UploadKeysRequest.newBuilder()
                .addAllOneTimePreKeys(signal.oneTimeEcPreKeys(30)).build());

        assertThat(refill.getOneTimePreKeyCount()).isEqualTo(30);
        assertThat(refill.getKyberPreKeyCount()).as("untouched kind").isEqualTo(4);
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(device).uploadKeys(UploadKeysRequest.getDefaultInstance()));
    }
}
