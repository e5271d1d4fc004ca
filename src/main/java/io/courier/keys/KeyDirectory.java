package io.courier.keys;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;

import io.courier.account.DeviceRemovalListener;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Rejections;

/** The Signal key directory: devices upload public keys, senders fetch bundles that consume one-time keys. */
public final class KeyDirectory implements DeviceRemovalListener {
    /** Remaining one-time keys of each kind. */
    public record KeyCounts(int oneTimePreKeys, int kyberPreKeys) {
    }

    private final DeviceKeyStore deviceKeys;
    private final OneTimeKeyStore oneTimeKeys;
    private final KeyValidation validation;
    private final RateLimiter limiter;
    private final KeysConfig config;

    KeyDirectory(DeviceKeyStore deviceKeys, OneTimeKeyStore oneTimeKeys, RateLimiter limiter, KeysConfig config) {
        this.deviceKeys = deviceKeys;
        this.oneTimeKeys = oneTimeKeys;
        this.validation = new KeyValidation(config.maxOneTimeKeysPerUpload());
        this.limiter = limiter;
        this.config = config;
    }

    /** Validates everything first, so a refused upload stores nothing. */
    public KeyCounts upload(AuthenticatedDevice caller, UploadKeysRequest request) {
        Optional<IdentityKey> uploadedIdentity = validation.identityKey(request);
        Optional<DeviceKeys> stored = deviceKeys.find(caller.accountId(), caller.deviceId());
        if (stored.isPresent() && uploadedIdentity.isPresent()
                && !Arrays.equals(stored.get().identityKey(), uploadedIdentity.get().serialize())) {
            throw identityChanged();
        }
        IdentityKey identity = uploadedIdentity.orElseGet(() -> stored.map(KeyDirectory::identityOf)
                .orElseThrow(KeyDirectory::incompleteFirstUpload));
        UploadedKeys keys = validation.validate(request, identity);
        if (isEmpty(keys)) {
            throw Rejections.invalidArgument("the upload carries no keys");
        }
        if (stored.isEmpty()) {
            storeFirst(caller, identity, keys);
        } else {
            update(caller, keys);
        }
        UUID account = caller.accountId();
        if (!keys.oneTimePreKeys().isEmpty()) {
            oneTimeKeys.replace(account, caller.deviceId(), OneTimeKeyKind.EC, keys.oneTimePreKeys());
        }
        if (!keys.kyberPreKeys().isEmpty()) {
            oneTimeKeys.replace(account, caller.deviceId(), OneTimeKeyKind.KYBER, keys.kyberPreKeys());
        }
        return counts(caller);
    }

    private void storeFirst(AuthenticatedDevice caller, IdentityKey identity, UploadedKeys keys) {
        if (keys.registrationId() == 0 || keys.signedPreKey().isEmpty() || keys.kyberLastResort().isEmpty()) {
            throw incompleteFirstUpload();
        }
        DeviceKeys first = new DeviceKeys(caller.deviceId(), identity.serialize(), keys.registrationId(),
                keys.signedPreKey().get(), keys.kyberLastResort().get());
        if (!deviceKeys.insertFirst(caller.accountId(), first)) {
            // A concurrent first upload won: accept ours as an update only if it is the same identity.
            DeviceKeys winner = deviceKeys.find(caller.accountId(), caller.deviceId()).orElseThrow(
                    () -> Rejections.aborted("the device's keys changed during the upload; try again"));
            if (!Arrays.equals(winner.identityKey(), first.identityKey())) {
                throw identityChanged();
            }
            update(caller, keys);
        }
    }

    private void update(AuthenticatedDevice caller, UploadedKeys keys) {
        UUID account = caller.accountId();
        int device = caller.deviceId();
        if (keys.registrationId() != 0) {
            deviceKeys.updateRegistrationId(account, device, keys.registrationId());
        }
        keys.signedPreKey().ifPresent(k -> deviceKeys.updateSignedPreKey(account, device, k));
        keys.kyberLastResort().ifPresent(k -> deviceKeys.updateKyberLastResort(account, device, k));
    }

    /** The account's devices that can receive messages (they have keys), with their registration ids. */
    public CompletionStage<Map<Integer, Integer>> registrations(UUID accountId) {
        return deviceKeys.findAllAsync(accountId).thenApply(KeyDirectory::registrationsOf);
    }

    private static Map<Integer, Integer> registrationsOf(List<DeviceKeys> devices) {
        Map<Integer, Integer> registrations = new TreeMap<>();
        devices.forEach(d -> registrations.put(d.deviceId(), d.registrationId()));
        return registrations;
    }

    public KeyCounts counts(AuthenticatedDevice caller) {
        return new KeyCounts(oneTimeKeys.count(caller.accountId(), caller.deviceId(), OneTimeKeyKind.EC),
                oneTimeKeys.count(caller.accountId(), caller.deviceId(), OneTimeKeyKind.KYBER));
    }

    /**
     * Bundles of one device, or of all devices ({@code deviceId == 0}) of the target account, each with freshly
     * claimed one-time keys. Rate limited per requesting account.
     */
    public List<PreKeyBundleView> fetchBundles(AuthenticatedDevice caller, UUID target, int deviceId) {
        if (deviceId < 0) {
            throw Rejections.invalidArgument("device_id must be a device id, or 0 for all devices");
        }
        limiter.acquire(config.bundleFetches(), caller.accountId().toString());
        List<DeviceKeys> devices = deviceId == 0
                ? deviceKeys.findAll(target)
                : deviceKeys.find(target, deviceId).map(List::of).orElse(List.of());
        if (devices.isEmpty()) {
            throw Rejections.notFound(deviceId == 0 ? "the account does not exist or has no device with keys"
                    : "device " + deviceId + " of this account does not exist or has no keys");
        }
        return devices.stream().map(device -> claimBundle(target, device)).toList();
    }

    private PreKeyBundleView claimBundle(UUID account, DeviceKeys device) {
        Optional<PublicPreKey> ec = oneTimeKeys.claim(account, device.deviceId(), OneTimeKeyKind.EC);
        Optional<PublicPreKey> kyber = oneTimeKeys.claim(account, device.deviceId(), OneTimeKeyKind.KYBER);
        return kyber.map(k -> new PreKeyBundleView(device, ec, k, false))
                .orElseGet(() -> new PreKeyBundleView(device, ec, device.kyberLastResort(), true));
    }

    @Override
    public void devicesRemoved(UUID accountId, Set<Integer> deviceIds) {
        for (int deviceId : deviceIds) {
            oneTimeKeys.deleteAll(accountId, deviceId, OneTimeKeyKind.EC);
            oneTimeKeys.deleteAll(accountId, deviceId, OneTimeKeyKind.KYBER);
            deviceKeys.delete(accountId, deviceId);
        }
    }

    private static boolean isEmpty(UploadedKeys keys) {
        return keys.identityKey().isEmpty() && keys.registrationId() == 0 && keys.signedPreKey().isEmpty()
                && keys.oneTimePreKeys().isEmpty() && keys.kyberPreKeys().isEmpty() && keys.kyberLastResort().isEmpty();
    }

    private static IdentityKey identityOf(DeviceKeys keys) {
        try {
            return new IdentityKey(keys.identityKey());
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("stored identity key of device " + keys.deviceId() + " is corrupt", e);
        }
    }

    private static RuntimeException identityChanged() {
        return Rejections.failedPrecondition("identity_key differs from the one this device registered;"
                + " a new identity needs a new registration or device link");
    }

    private static RuntimeException incompleteFirstUpload() {
        return Rejections.failedPrecondition("the device's first upload must include identity_key, registration_id,"
                + " signed_pre_key and kyber_last_resort_pre_key");
    }
}
