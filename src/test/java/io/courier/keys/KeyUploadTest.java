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

    /** One device's bundle of the account, or NOT_FOUND. */
    private GetPreKeyBundleRequest bundleOf(RegisteredDevice device) {
        return GetPreKeyBundleRequest.newBuilder().setAccountId(device.accountId()).setDeviceId(device.deviceId())
                .build();
    }

    /** A device linked to a new account whose primary uploaded its keys under {@code account}'s identity. */
    private RegisteredDevice linkedTo(SignalDevice account) {
        RegisteredDevice primary = registerNew();
        keys(primary).uploadKeys(account.fullUpload(1, 1));
        return link(primary, "laptop");
    }

    @Test
    void aLinkedDeviceUploadsTheAccountsIdentityOrNothingIsStored() {
        SignalDevice account = new SignalDevice();
        RegisteredDevice laptop = linkedTo(account);
        RegisteredDevice fetcher = registerNew();

        String foreign = assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> keys(laptop).uploadKeys(new SignalDevice().fullUpload(3, 3)));
        assertThat(foreign).contains("identity_key is not the account's identity key");
        assertStatus(Status.Code.NOT_FOUND, () -> keys(fetcher).getPreKeyBundle(bundleOf(laptop)));

        var bundle = keys(laptop).uploadKeys(new SignalDevice(account.identityKeyPair()).fullUpload(3, 3));
        assertThat(bundle.getOneTimePreKeyCount()).isEqualTo(3);
        assertThat(keys(fetcher).getPreKeyBundle(bundleOf(laptop)).getBundles(0).getIdentityKey())
                .isEqualTo(account.identityKey());
    }

    @Test
    void aLinkedDevicesPreKeysMustBeSignedByTheAccountsIdentity() {
        SignalDevice account = new SignalDevice();
        RegisteredDevice laptop = linkedTo(account);
        SignalDevice stranger = new SignalDevice();
        SignalDevice laptopKeys = new SignalDevice(account.identityKeyPair());
        UploadKeysRequest upload = laptopKeys.fullUpload(2, 2);
        // The account's identity key, with keys signed by another identity.
        UploadKeysRequest strangeSigned = upload.toBuilder().setSignedPreKey(stranger.signedEcPreKey()).build();
        UploadKeysRequest strangeLastResort = upload.toBuilder()
                .setKyberLastResortPreKey(stranger.kyberPreKey()).build();

        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(laptop).uploadKeys(strangeSigned)))
                .contains("signed_pre_key").contains("account's identity key");
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(laptop).uploadKeys(strangeLastResort)))
                .contains("kyber_last_resort_pre_key").contains("account's identity key");
        assertThat(keys(laptop).getPreKeyCount(COUNT).getOneTimePreKeyCount()).isZero();
        assertStatus(Status.Code.NOT_FOUND, () -> keys(registerNew()).getPreKeyBundle(bundleOf(laptop)));

        // Once stored, a later upload without identity_key (a new signed prekey) is checked the same way.
        keys(laptop).uploadKeys(upload);
        UploadKeysRequest strangeRotation = UploadKeysRequest.newBuilder()
                .setSignedPreKey(stranger.signedEcPreKey()).build();
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(laptop).uploadKeys(strangeRotation)))
                .contains("signed_pre_key").contains("account's identity key");
        assertThat(keys(registerNew()).getPreKeyBundle(bundleOf(laptop)).getBundles(0).getSignedPreKey())
                .isEqualTo(upload.getSignedPreKey());
        SignedPreKey rotated = laptopKeys.signedEcPreKey();
        keys(laptop).uploadKeys(UploadKeysRequest.newBuilder().setSignedPreKey(rotated).build());
        assertThat(keys(registerNew()).getPreKeyBundle(bundleOf(laptop)).getBundles(0).getSignedPreKey())
                .isEqualTo(rotated);
    }

    @Test
    void aLinkedDeviceCantUploadBeforeThePrimaryHasAnIdentity() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice laptop = link(primary, "laptop");

        String message = assertStatus(Status.Code.FAILED_PRECONDITION,
                () -> keys(laptop).uploadKeys(new SignalDevice().fullUpload(1, 1)));

        assertThat(message).contains("primary device uploads its keys first");
        assertNothingStored(laptop);
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

    /**
     * Issue 21, "Why" 6: an upload costs the device's budget (1,000 keys at once, then one per 10 s) the keys it
     * carries, before any is parsed or signature checked; a refused upload stores nothing.
     */
    @Test
    void uploadsCostTheKeysTheyCarryFromTheDevicesBudgetAndARefusedOneStoresNothing() {
        RegisteredDevice device = registerNew();
        SignalDevice signal = new SignalDevice();
        keys(device).uploadKeys(signal.fullUpload(100, 10)); // 112 keys with the signed and last-resort ones
        for (int i = 0; i < 8; i++) { // 912 spent: fewer than 100 left
            keys(device).uploadKeys(UploadKeysRequest.newBuilder()
                    .addAllOneTimePreKeys(signal.oneTimeEcPreKeys(100)).build());
        }
        UploadKeysRequest last = UploadKeysRequest.newBuilder().addAllOneTimePreKeys(signal.oneTimeEcPreKeys(60))
                .addAllKyberPreKeys(signal.kyberPreKeys(40)).build();

        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> keys(device).uploadKeys(last)))
                .contains("keys uploaded by this device");
        var counts = keys(device).getPreKeyCount(COUNT);
        assertThat(counts.getOneTimePreKeyCount()).as("the previous refill's keys").isEqualTo(100);
        assertThat(counts.getKyberPreKeyCount()).as("untouched").isEqualTo(10);

        var smaller = keys(device).uploadKeys(UploadKeysRequest.newBuilder()
                .addAllOneTimePreKeys(signal.oneTimeEcPreKeys(50)).build());
        assertThat(smaller.getOneTimePreKeyCount()).as("a cost within what is left passes").isEqualTo(50);
        RegisteredDevice other = registerNew();
        assertThat(keys(other).uploadKeys(new SignalDevice().fullUpload(100, 100)).getKyberPreKeyCount())
                .as("another device's budget is its own").isEqualTo(100);
    }
}
