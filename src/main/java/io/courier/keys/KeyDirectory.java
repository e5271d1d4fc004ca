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

import io.courier.account.CurrentDevices;
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
    private final CurrentDevices current;

    KeyDirectory(DeviceKeyStore deviceKeys, OneTimeKeyStore oneTimeKeys, HazelcastInstance hazelcast,
            RateLimiter limiter, KeysConfig config, CurrentDevices current) {
        this.deviceKeys = deviceKeys;
        this.oneTimeKeys = oneTimeKeys;
        this.registrations = new RegistrationCache(hazelcast, this::readRegistrations);
        this.validation = new KeyValidation(config.maxOneTimeKeysPerUpload());
        this.limiter = limiter;
        this.config = config;
        this.current = current;
    }

    /**
     * Validates everything first, so a refused upload stores nothing; numbers and counts come before any key is
     * parsed. Every write is conditional on the caller's generation, and once written the device must still be
     * current: an upload that raced its device's revocation deletes what it wrote and is refused, leaving no keys
     * behind that nobody could revoke. Once the numbers are in range, the upload costs the device's budget one unit per
     * key it carries, before any key is parsed or read.
     */
    public Mono<KeyCounts> upload(AuthenticatedDevice caller, UploadKeysRequest request) {
        return Mono.fromRunnable(() -> validation.checkRanges(request))
                .then(limiter.acquire(config.uploadedKeys(), caller.toString(), keysIn(request)))
                .then(Mono.fromCallable(() -> validation.identityKey(request)))
                .flatMap(uploaded -> Mono.zip(stored(caller), accountIdentity(caller))
                        // Signature checks are CPU work: keep them off the transport's and the driver's threads.
                        .publishOn(Schedulers.parallel())
                        .map(found -> check(request, uploaded, found.getT1(), found.getT2())))
                .flatMap(upload -> {
                    long micros = OneTimeKeyStore.now();
                    return store(caller, upload, micros).then(Mono.defer(() -> confirmCurrent(caller, micros)));
                })
                .then(counts(caller));
    }

    /** The caller's stored keys; keys of another generation are another install's, not the caller's. */
    private Mono<Optional<DeviceKeys>> stored(AuthenticatedDevice caller) {
        return deviceKeys.find(caller.accountId(), caller.deviceId())
                .filter(keys -> keys.generation() == caller.generation())
                .map(Optional::of).defaultIfEmpty(Optional.empty());
    }

    /**
     * The identity a linked device's keys must carry: the account's, which the primary's first upload stored
     * (IF NOT EXISTS, see {@link DeviceKeyStore#insertFirst}); empty for the primary itself. Reading it before the
     * linked device's write races nothing: the primary's identity changes only with a new registration, which
     * removes every linked device, and {@link #confirmCurrent} then undoes the write.
     */
    private Mono<Optional<IdentityKey>> accountIdentity(AuthenticatedDevice caller) {
        if (caller.isPrimary()) {
            return Mono.just(Optional.empty());
        }
        return deviceKeys.find(caller.accountId(), AuthenticatedDevice.PRIMARY_DEVICE_ID)
                .map(primary -> Optional.of(identityOf(primary)))
                .switchIfEmpty(Mono.error(() -> Rejections.failedPrecondition("the account has no identity key yet:"
                        + " its primary device uploads its keys first")));
    }

    private CheckedUpload check(UploadKeysRequest request, Optional<IdentityKey> uploaded,
            Optional<DeviceKeys> stored, Optional<IdentityKey> account) {
        if (account.isPresent() && uploaded.isPresent() && !account.get().equals(uploaded.get())) {
            throw Rejections.invalidArgument("identity_key is not the account's identity key; a linked device"
                    + " uses the identity key pair its primary hands over when linking");
        }
        if (stored.isPresent() && uploaded.isPresent()
                && !Arrays.equals(stored.get().identityKey(), uploaded.get().serialize())) {
            throw identityChanged();
        }
        if (stored.isEmpty() && uploaded.isEmpty()) {
            throw incompleteFirstUpload();
        }
        IdentityKey identity = account.or(() -> uploaded).orElseGet(() -> identityOf(stored.get()));
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

    /** @param micros the write time of the one-time keys */
    private Mono<Void> store(AuthenticatedDevice caller, CheckedUpload upload, long micros) {
        UUID account = caller.accountId();
        UploadedKeys keys = upload.keys();
        Mono<Void> longLived = upload.stored().isEmpty() ? storeFirst(caller, upload.identity(), keys, true)
                : update(caller, keys);
        return longLived
                .then(upload.changesRegistrations() ? registrations.invalidate(account) : Mono.empty())
                .then(Mono.when(replaceOneTimeKeys(caller, OneTimeKeyKind.EC, keys.oneTimePreKeys(), micros),
                        replaceOneTimeKeys(caller, OneTimeKeyKind.KYBER, keys.kyberPreKeys(), micros)));
    }

    private Mono<Void> replaceOneTimeKeys(AuthenticatedDevice caller, OneTimeKeyKind kind, List<PublicPreKey> keys,
            long micros) {
        return keys.isEmpty() ? Mono.empty()
                : oneTimeKeys.replace(caller.accountId(), caller.deviceId(), caller.generation(), kind, keys, micros);
    }

    /** @param mayReplace whether keys another install left behind may be replaced (once) */
    private Mono<Void> storeFirst(AuthenticatedDevice caller, IdentityKey identity, UploadedKeys keys,
            boolean mayReplace) {
        DeviceKeys first = new DeviceKeys(caller.deviceId(), caller.generation(), identity.serialize(),
                keys.registrationId(), keys.signedPreKey().get(), keys.kyberLastResort().get());
        return deviceKeys.insertFirst(caller.accountId(), first)
                .flatMap(applied -> applied ? Mono.empty() : afterLostRace(caller, first, identity, keys, mayReplace));
    }

    /**
     * Keys were there first. The caller's own generation's: accept ours as an update if it is the same identity.
     * Another generation's, while the caller is current: left by an upload of a replaced install that died before
     * cleaning up; they are replaced.
     */
    private Mono<Void> afterLostRace(AuthenticatedDevice caller, DeviceKeys ours, IdentityKey identity,
            UploadedKeys keys, boolean mayReplace) {
        return deviceKeys.find(caller.accountId(), caller.deviceId())
                .switchIfEmpty(Mono.error(() -> Rejections.aborted(
                        "the device's keys changed during the upload; try again")))
                .flatMap(winner -> {
                    if (winner.generation() == caller.generation()) {
                        return Arrays.equals(winner.identityKey(), ours.identityKey()) ? update(caller, keys)
                                : Mono.error(identityChanged());
                    }
                    return current.isCurrentNow(caller).flatMap(isCurrent -> isCurrent && mayReplace
                            ? deviceKeys.deleteGeneration(caller.accountId(), caller.deviceId(), winner.generation())
                                    .then(storeFirst(caller, identity, keys, false))
                            : Mono.error(isCurrent ? Rejections.aborted(
                                    "the device's keys changed during the upload; try again") : CurrentDevices.notCurrent()));
                });
    }

    private Mono<Void> update(AuthenticatedDevice caller, UploadedKeys keys) {
        return deviceKeys.update(caller.accountId(), caller.deviceId(), caller.generation(), keys.registrationId(),
                        keys.signedPreKey(), keys.kyberLastResort())
                .flatMap(applied -> applied ? Mono.<Void>empty() : Mono.error(CurrentDevices.notCurrent()));
    }

    /**
     * After the writes: if the caller was revoked or replaced meanwhile, its removal's clean-up may have run before
     * them, so they are undone here (only the caller generation's keys) and the upload is refused.
     */
    private Mono<Void> confirmCurrent(AuthenticatedDevice caller, long micros) {
        UUID account = caller.accountId();
        int device = caller.deviceId();
        return current.isCurrentNow(caller).flatMap(isCurrent -> isCurrent ? Mono.<Void>empty()
                : Mono.when(deviceKeys.deleteGeneration(account, device, caller.generation()),
                                oneTimeKeys.undoReplace(account, device, OneTimeKeyKind.EC, micros),
                                oneTimeKeys.undoReplace(account, device, OneTimeKeyKind.KYBER, micros))
                        .then(registrations.invalidate(account))
                        .then(Mono.error(CurrentDevices.notCurrent())));
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
        return Mono.zip(oneTimeKeys.count(caller.accountId(), caller.deviceId(), caller.generation(),
                                OneTimeKeyKind.EC),
                        oneTimeKeys.count(caller.accountId(), caller.deviceId(), caller.generation(),
                                OneTimeKeyKind.KYBER))
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
        return oneTimeKeys.claim(account, device.deviceId(), device.generation(), kind).map(Optional::of)
                .defaultIfEmpty(Optional.empty());
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

    private static int keysIn(UploadKeysRequest request) {
        return request.getOneTimePreKeysCount() + request.getKyberPreKeysCount()
                + (request.hasSignedPreKey() ? 1 : 0) + (request.hasKyberLastResortPreKey() ? 1 : 0);
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
