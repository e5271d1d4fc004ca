package io.courier.keys;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;

import com.hazelcast.core.HazelcastInstance;

import io.courier.account.DeviceRemovalListener;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Rejections;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The Signal key directory: devices upload public keys, senders fetch bundles that consume one-time keys. */
public final class KeyDirectory implements DeviceRemovalListener {
    /** Remaining one-time keys of each kind. */
    public record KeyCounts(int oneTimePreKeys, int kyberPreKeys) {
    }

    /** An upload that passed every check, with the device's keys as stored before it. */
    private record CheckedUpload(IdentityKey identity, UploadedKeys keys, Optional<DeviceKeys> stored) {
        /**
         * A device's first keys make it a receiving device; a new registration id is part of what senders check. A
         * refill that repeats the stored id changes nothing senders see, so it leaves the cache alone.
         */
        boolean changesRegistrations() {
            return stored.isEmpty()
                    || keys.registrationId() != 0 && keys.registrationId() != stored.get().registrationId();
        }
    }

    private final DeviceKeyStore deviceKeys;
    private final OneTimeKeyStore oneTimeKeys;
    private final RegistrationCache registrations;
    private final KeyValidation validation;
    private final RateLimiter limiter;
    private final KeysConfig config;

    KeyDirectory(DeviceKeyStore deviceKeys, OneTimeKeyStore oneTimeKeys, HazelcastInstance hazelcast,
            RateLimiter limiter, KeysConfig config) {
        this.deviceKeys = deviceKeys;
        this.oneTimeKeys = oneTimeKeys;
        this.registrations = new RegistrationCache(hazelcast, this::readRegistrations);
        this.validation = new KeyValidation(config.maxOneTimeKeysPerUpload());
        this.limiter = limiter;
        this.config = config;
    }

    /** Validates everything first, so a refused upload stores nothing. */
    public Mono<KeyCounts> upload(AuthenticatedDevice caller, UploadKeysRequest request) {
        return Mono.fromCallable(() -> validation.identityKey(request))
                .flatMap(uploaded -> stored(caller)
                        // Signature checks are CPU work: keep them off the transport's and the driver's threads.
                        .publishOn(Schedulers.parallel())
                        .map(stored -> check(request, uploaded, stored)))
                .flatMap(upload -> store(caller, upload))
                .then(counts(caller));
    }

    private Mono<Optional<DeviceKeys>> stored(AuthenticatedDevice caller) {
        return deviceKeys.find(caller.accountId(), caller.deviceId()).map(Optional::of)
                .defaultIfEmpty(Optional.empty());
    }

    private CheckedUpload check(UploadKeysRequest request, Optional<IdentityKey> uploaded,
            Optional<DeviceKeys> stored) {
        if (stored.isPresent() && uploaded.isPresent()
                && !Arrays.equals(stored.get().identityKey(), uploaded.get().serialize())) {
            throw identityChanged();
        }
        IdentityKey identity = uploaded.orElseGet(() -> stored.map(KeyDirectory::identityOf)
                .orElseThrow(KeyDirectory::incompleteFirstUpload));
        UploadedKeys keys = validation.validate(request, identity);
        if (isEmpty(keys)) {
            throw Rejections.invalidArgument("the upload carries no keys");
        }
        if (stored.isEmpty()
                && (keys.registrationId() == 0 || keys.signedPreKey().isEmpty() || keys.kyberLastResort().isEmpty())) {
            throw incompleteFirstUpload();
        }
        return new CheckedUpload(identity, keys, stored);
    }

    private Mono<Void> store(AuthenticatedDevice caller, CheckedUpload upload) {
        UUID account = caller.accountId();
        UploadedKeys keys = upload.keys();
        Mono<Void> longLived = upload.stored().isEmpty() ? storeFirst(caller, upload.identity(), keys)
                : update(caller, keys);
        return longLived
                .then(upload.changesRegistrations() ? registrations.invalidate(account) : Mono.empty())
                .then(Mono.when(replaceOneTimeKeys(caller, OneTimeKeyKind.EC, keys.oneTimePreKeys()),
                        replaceOneTimeKeys(caller, OneTimeKeyKind.KYBER, keys.kyberPreKeys())));
    }

    private Mono<Void> replaceOneTimeKeys(AuthenticatedDevice caller, OneTimeKeyKind kind, List<PublicPreKey> keys) {
        return keys.isEmpty() ? Mono.empty() : oneTimeKeys.replace(caller.accountId(), caller.deviceId(), kind, keys);
    }

    private Mono<Void> storeFirst(AuthenticatedDevice caller, IdentityKey identity, UploadedKeys keys) {
        DeviceKeys first = new DeviceKeys(caller.deviceId(), identity.serialize(), keys.registrationId(),
                keys.signedPreKey().get(), keys.kyberLastResort().get());
        return deviceKeys.insertFirst(caller.accountId(), first)
                .flatMap(applied -> applied ? Mono.empty() : updateAfterLostRace(caller, first, keys));
    }

    /** A concurrent first upload won: accept ours as an update only if it is the same identity. */
    private Mono<Void> updateAfterLostRace(AuthenticatedDevice caller, DeviceKeys ours, UploadedKeys keys) {
        return deviceKeys.find(caller.accountId(), caller.deviceId())
                .switchIfEmpty(Mono.error(() -> Rejections.aborted(
                        "the device's keys changed during the upload; try again")))
                .flatMap(winner -> Arrays.equals(winner.identityKey(), ours.identityKey()) ? update(caller, keys)
                        : Mono.error(identityChanged()));
    }

    private Mono<Void> update(AuthenticatedDevice caller, UploadedKeys keys) {
        UUID account = caller.accountId();
        int device = caller.deviceId();
        return Mono.when(
                keys.registrationId() == 0 ? Mono.empty()
                        : deviceKeys.updateRegistrationId(account, device, keys.registrationId()),
                keys.signedPreKey().map(k -> deviceKeys.updateSignedPreKey(account, device, k)).orElse(Mono.empty()),
                keys.kyberLastResort().map(k -> deviceKeys.updateKyberLastResort(account, device, k))
                        .orElse(Mono.empty()));
    }

    /**
     * The account's devices that can receive messages (they have keys), with their registration ids, sorted by
     * device id. Served from the near cache; it never blocks.
     */
    public CompletionStage<Map<Integer, Integer>> registrations(UUID accountId) {
        return registrations.get(accountId).toFuture();
    }

    private Mono<Map<Integer, Integer>> readRegistrations(UUID accountId) {
        return deviceKeys.findAll(accountId).collectMap(DeviceKeys::deviceId, DeviceKeys::registrationId);
    }

    public Mono<KeyCounts> counts(AuthenticatedDevice caller) {
        return Mono.zip(oneTimeKeys.count(caller.accountId(), caller.deviceId(), OneTimeKeyKind.EC),
                        oneTimeKeys.count(caller.accountId(), caller.deviceId(), OneTimeKeyKind.KYBER))
                .map(counts -> new KeyCounts(counts.getT1(), counts.getT2()));
    }

    /**
     * Bundles of one device, or of all devices ({@code deviceId == 0}) of the target account, each with freshly
     * claimed one-time keys, in device id order. Rate limited per requesting account, and per requesting and
     * target account.
     */
    public Flux<PreKeyBundleView> fetchBundles(AuthenticatedDevice caller, UUID target, int deviceId) {
        if (deviceId < 0) {
            return Flux.error(Rejections.invalidArgument("device_id must be a device id, or 0 for all devices"));
        }
        Flux<DeviceKeys> devices = deviceId == 0 ? deviceKeys.findAll(target)
                : deviceKeys.find(target, deviceId).flux();
        return limiter.acquire(config.bundleFetches(), caller.accountId().toString())
                .then(limiter.acquire(config.bundleFetchesPerTarget(), caller.accountId() + ">" + target))
                .thenMany(devices)
                .switchIfEmpty(Flux.error(() -> Rejections.notFound(deviceId == 0
                        ? "the account does not exist or has no device with keys"
                        : "device " + deviceId + " of this account does not exist or has no keys")))
                .flatMapSequential(device -> claimBundle(target, device));
    }

    private Mono<PreKeyBundleView> claimBundle(UUID account, DeviceKeys device) {
        return Mono.zip(claim(account, device, OneTimeKeyKind.EC), claim(account, device, OneTimeKeyKind.KYBER))
                .map(claimed -> claimed.getT2()
                        .map(kyber -> new PreKeyBundleView(device, claimed.getT1(), kyber, false))
                        .orElseGet(() -> new PreKeyBundleView(device, claimed.getT1(), device.kyberLastResort(), true)));
    }

    private Mono<Optional<PublicPreKey>> claim(UUID account, DeviceKeys device, OneTimeKeyKind kind) {
        return oneTimeKeys.claim(account, device.deviceId(), kind).map(Optional::of).defaultIfEmpty(Optional.empty());
    }

    /** Drops the devices' keys, then their cached registrations. */
    @Override
    public CompletionStage<Void> devicesRemoved(UUID accountId, Set<Integer> deviceIds) {
        return Flux.fromIterable(deviceIds)
                .flatMap(deviceId -> Mono.when(oneTimeKeys.deleteAll(accountId, deviceId, OneTimeKeyKind.EC),
                        oneTimeKeys.deleteAll(accountId, deviceId, OneTimeKeyKind.KYBER),
                        deviceKeys.delete(accountId, deviceId)))
                .then(registrations.invalidate(accountId))
                .toFuture();
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
