package io.courier.account;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Rejections;
import io.courier.store.Blobs;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Registration by phone number, device linking, listing, revocation and account deletion. Every operation is a
 * Reactor pipeline on the driver's and Hazelcast's async APIs; a rejection found before any round trip fails the
 * returned publisher.
 */
public final class AccountRegistry {
    private static final int MAX_DEVICE_NAME = 64;
    private static final int LINK_CODE_BYTES = 24;
    /** A sealed identity key pair is about 120 bytes; the rest is headroom, not room for payloads. */
    static final int MAX_PROVISIONING_MESSAGE = 1024;
    /** Compare-and-set retries when concurrent changes to the same account collide. */
    private static final int CAS_ATTEMPTS = 10;

    /** What a new device gets: its address and its bearer token (shown once). */
    public record Credentials(UUID accountId, int deviceId, String authToken) {
    }

    public record IssuedCode(String code, Duration expiresIn) {
    }

    /** A verification session: the id its caller must present to register, and its code's lifetime. */
    public record VerificationSession(byte[] id, Duration expiresIn) {
    }

    /** A linked device's credentials and what its primary sealed for it (the account identity), as it was sent. */
    public record LinkedDevice(Credentials credentials, byte[] provisioningMessage) {
    }

    public record DeviceInfo(int deviceId, String name, Instant createdAt) {
    }

    private final PhoneDirectory phones;
    private final DeviceStore devices;
    private final PhoneVerification verification;
    private final LinkCodeStore linkCodes;
    private final RateLimiter limiter;
    private final AccountConfig config;
    private final Clock clock;
    private final List<DeviceRemovalListener> removalListeners;
    private final List<AccountDeletionListener> deletionListeners;
    private final List<DeviceLinkListener> linkListeners;
    private final CurrentDevices current;
    private final RegistrationLocks locks;

    AccountRegistry(PhoneDirectory phones, DeviceStore devices, PhoneVerification verification,
            LinkCodeStore linkCodes, RateLimiter limiter, AccountConfig config, Clock clock,
            List<DeviceRemovalListener> removalListeners, List<AccountDeletionListener> deletionListeners,
            List<DeviceLinkListener> linkListeners, CurrentDevices current, RegistrationLocks locks) {
        this.phones = phones;
        this.devices = devices;
        this.verification = verification;
        this.linkCodes = linkCodes;
        this.limiter = limiter;
        this.config = config;
        this.clock = clock;
        this.removalListeners = List.copyOf(removalListeners);
        this.deletionListeners = List.copyOf(deletionListeners);
        this.linkListeners = List.copyOf(linkListeners);
        this.current = current;
        this.locks = locks;
    }

    /** Opens a verification session for the number and sends its code; other sessions of the number stay valid. */
    public Mono<VerificationSession> requestVerificationCode(String phoneNumber, String attestationToken,
            String peer) {
        return Mono.defer(() -> verification.sendCode(PhoneNumbers.requireValid(phoneNumber), attestationToken, peer));
    }

    /**
     * Verifies the code and makes the caller the primary device of the number's account. The previous account, if
     * any, loses every device first (its queues go with them). Under an open Registration Lock (the right PIN) the
     * account keeps its id; otherwise the number gets a fresh account and what was keyed by the previous id —
     * receipts, statuses — stays with it, out of the new owner's reach.
     */
    public Mono<Credentials> register(String phoneNumber, byte[] sessionId, String code, String deviceName,
            String pin, String peer) {
        return Mono.defer(() -> {
            String phone = PhoneNumbers.requireValid(phoneNumber).e164();
            byte[] session = PhoneVerification.requireSessionId(sessionId);
            byte[] codeBytes = PhoneVerification.requireWellFormed(code);
            String name = requireDeviceName(deviceName);
            Optional<byte[]> pinBytes = pin == null || pin.isEmpty() ? Optional.empty()
                    : Optional.of(PinHasher.requireWellFormed(pin));
            return limiter.acquire(config.limits().registrationsPerPeer(), peer)
                    .then(verification.verify(session, phone, codeBytes))
                    .flatMap(verified -> {
                        // Once, however many compare-and-set rounds follow: the code is spent when a round applies.
                        Mono<Void> consume = verification.consume(verified).cache();
                        return phones.find(phone).map(Optional::of).defaultIfEmpty(Optional.empty())
                                .flatMap(previous -> previous.isEmpty()
                                        ? consume.then(registerFresh(phone, previous, name))
                                        : devices.load(previous.get()).flatMap(read -> read.deletedAt().isPresent()
                                                // A deletion that failed midway: finish it, then the number is free.
                                                ? finishDeletion(previous.get(), read).then(consume)
                                                        .then(registerFresh(phone, Optional.empty(), name))
                                                : takeOver(previous.get(), phone, name, locks.guard(phone, pinBytes),
                                                        consume)));
                    });
        });
    }

    /**
     * Replaces the previous account's devices, if its Registration Lock lets the caller in: with the new primary if
     * the right PIN opened the lock (the account keeps its id), else with none, and the number gets a fresh account.
     */
    private Mono<Credentials> takeOver(UUID previous, String phone, String name, RegistrationLocks.Guard guard,
            Mono<Void> consume) {
        DeviceToken keptToken = DeviceToken.issue(previous, AuthenticatedDevice.PRIMARY_DEVICE_ID);
        DeviceRecord keptPrimary = newDevice(keptToken, name, clock.instant());
        return replaceDevices(previous, phone, read -> guard.admits(read)
                .flatMap(keep -> consume.thenReturn(keep ? Optional.of(keptPrimary) : Optional.<DeviceRecord>empty())),
                0)
                .flatMap(installed -> installed.isPresent()
                        ? Mono.just(new Credentials(previous, keptPrimary.deviceId(), keptToken.encode()))
                        : registerFresh(phone, Optional.of(previous), name));
    }

    private Mono<Credentials> registerFresh(String phone, Optional<UUID> previous, String name) {
        UUID accountId = UUID.randomUUID();
        Instant now = clock.instant();
        DeviceToken token = DeviceToken.issue(accountId, AuthenticatedDevice.PRIMARY_DEVICE_ID);
        DeviceRecord primary = newDevice(token, name, now);
        return phones.assign(phone, previous, accountId, now)
                .flatMap(assigned -> assigned
                        ? replaceDevices(accountId, phone, read -> Mono.just(Optional.of(primary)), 0)
                        : Mono.error(Rejections.aborted(
                                "the number was registered concurrently; request a new code")))
                .thenReturn(new Credentials(accountId, primary.deviceId(), token.encode()));
    }

    /**
     * Replaces every device of the account with the primary {@code decide} picks for what it read (or none), one
     * compare-and-set round per attempt: re-reads and decides again whenever a concurrent change won, so a decision
     * (the Registration Lock's) is never applied to a state it didn't see. Listeners hear of the removed devices.
     * Completes with what was installed.
     */
    private Mono<Optional<DeviceRecord>> replaceDevices(UUID accountId, String phone,
            Function<AccountDevices, Mono<Optional<DeviceRecord>>> decide, int attempt) {
        if (attempt == CAS_ATTEMPTS) {
            return Mono.error(() -> Rejections.aborted(
                    "the account's devices kept changing during registration; try again"));
        }
        return devices.load(accountId).flatMap(read -> decide.apply(read).flatMap(primary ->
                devices.replaceAll(accountId, phone, read, primary).flatMap(applied -> {
                    if (!applied) {
                        return replaceDevices(accountId, phone, decide, attempt + 1);
                    }
                    Set<Integer> replaced = read.devices().stream().map(DeviceRecord::deviceId)
                            .collect(Collectors.toSet());
                    return notifyRemoved(accountId, replaced).thenReturn(primary);
                })));
    }

    /**
     * Deletes the caller's account (primary only, with its current credential, which stands in for the
     * Registration Lock; {@code confirmPhoneNumber} must be the account's number). First one compare-and-set on the
     * device partition removes every device and leaves a deletion marker: every credential fails from then on and
     * nothing can be linked. Then every capability drops what the account owned, the number is freed and the
     * partition goes with the marker. Each step is idempotent: a deletion that failed after the marker is finished
     * by the next registration of the number.
     */
    public Mono<Void> deleteAccount(AuthenticatedDevice caller, String confirmPhoneNumber) {
        return Mono.defer(() -> {
            if (!caller.isPrimary()) {
                throw Rejections.permissionDenied("only the primary device can delete the account");
            }
            String confirmed = PhoneNumbers.requireValid(confirmPhoneNumber).e164();
            return markDeleted(caller, confirmed, 0).flatMap(marked -> finishDeletion(caller.accountId(), marked));
        });
    }

    private Mono<AccountDevices> markDeleted(AuthenticatedDevice caller, String confirmed, int attempt) {
        if (attempt == CAS_ATTEMPTS) {
            return Mono.error(() -> Rejections.aborted("the account's devices kept changing; try again"));
        }
        return devices.load(caller.accountId()).flatMap(read -> {
            boolean current = read.deletedAt().isEmpty() && read.device(caller.deviceId())
                    .map(primary -> primary.generation() == caller.generation()).orElse(false);
            if (!current) {
                return Mono.error(CurrentDevices.notCurrent());
            }
            if (!confirmed.equals(read.phone())) {
                return Mono.error(Rejections.failedPrecondition(
                        "confirm_phone_number is not this account's number; nothing was deleted"));
            }
            return devices.markDeleted(caller.accountId(), read, clock.instant()).flatMap(applied -> applied
                    ? Mono.just(read) : markDeleted(caller, confirmed, attempt + 1));
        });
    }

    /**
     * Finishes the account's deletion if one started before {@code markedBefore} (its marker is there); false if
     * none did, it is done, or it is younger (still running, most likely).
     */
    Mono<Boolean> finishIfMarked(UUID accountId, Instant markedBefore) {
        return devices.load(accountId).flatMap(read -> read.deletedAt().filter(at -> at.isBefore(markedBefore))
                .isPresent() ? finishDeletion(accountId, read).thenReturn(true) : Mono.just(false));
    }

    /**
     * Everything after the marker, each step safe to run again: the devices' listeners, then the account's, then
     * the open link codes, the number's mapping and last the device partition with the marker.
     */
    private Mono<Void> finishDeletion(UUID accountId, AccountDevices marked) {
        Set<Integer> deviceIds = marked.everyDeviceId();
        return notifyRemoved(accountId, deviceIds)
                .then(Mono.whenDelayError(deletionListeners.stream()
                        .map(l -> Mono.fromCompletionStage(() -> l.accountDeleted(accountId, deviceIds))).toList()))
                .then(Flux.fromIterable(marked.openLinkCodes()).flatMap(hash -> linkCodes.consume(Blobs.bytes(hash)))
                        .then())
                .then(marked.phone() == null ? Mono.empty() : phones.release(marked.phone(), accountId))
                .then(devices.forget(accountId));
    }

    public Mono<Void> setRegistrationLock(AuthenticatedDevice caller, String pin) {
        return locks.set(caller, pin);
    }

    public Mono<Void> clearRegistrationLock(AuthenticatedDevice caller) {
        return locks.clear(caller);
    }

    /**
     * A one-time code the primary device hands to a new device, bound to the caller's install: a call authenticated
     * before the number was registered again can't mint a code for the new primary. {@code provisioningMessage} is
     * relayed to the device that uses the code, unread.
     */
    public Mono<IssuedCode> createLinkCode(AuthenticatedDevice caller, byte[] provisioningMessage) {
        return Mono.defer(() -> {
            if (!caller.isPrimary()) {
                throw Rejections.permissionDenied("only the primary device can link new devices");
            }
            if (provisioningMessage.length > MAX_PROVISIONING_MESSAGE) {
                throw Rejections.invalidArgument("provisioning_message is " + provisioningMessage.length
                        + " bytes, at most " + MAX_PROVISIONING_MESSAGE);
            }
            return limiter.acquire(config.limits().linkCodesPerAccount(), caller.accountId().toString())
                    .then(devices.find(caller.accountId(), caller.deviceId()))
                    .filter(primary -> primary.generation() == caller.generation())
                    .switchIfEmpty(Mono.error(CurrentDevices::notCurrent))
                    .flatMap(primary -> {
                        String code = Base64.getUrlEncoder().withoutPadding()
                                .encodeToString(Secrets.random(LINK_CODE_BYTES));
                        Duration ttl = config.linkCodeTtl();
                        return devices.addOpenLinkCode(caller.accountId(), linkCodeHash(code), ttl.plusMinutes(1))
                                .then(linkCodes.put(linkCodeHash(code), new LinkCodeStore.LinkCode(caller.accountId(),
                                        caller.generation(), clock.instant().plus(ttl), provisioningMessage), ttl)
                                .thenReturn(new IssuedCode(code, ttl)));
                    });
        });
    }

    /**
     * Consumes a link code and adds a device to the code's account; answered once the account's other devices have
     * the notice of it in their queues. If the notice fails, the link is undone: the device is removed, the code put
     * back, and the caller told to try again ({@code UNAVAILABLE}) — no device joins unannounced.
     */
    public Mono<LinkedDevice> linkDevice(String code, String deviceName, String peer) {
        return Mono.defer(() -> {
            if (code == null || code.isBlank()) {
                throw Rejections.invalidArgument("link_code is required");
            }
            String name = requireDeviceName(deviceName);
            byte[] codeHash = linkCodeHash(code);
            return limiter.acquire(config.limits().linksPerPeer(), peer)
                    .then(linkCodes.find(codeHash))
                    .switchIfEmpty(Mono.error(() -> Rejections.failedPrecondition("unknown or already used link code")))
                    .flatMap(link -> {
                        if (!clock.instant().isBefore(link.expiresAt())) {
                            return Mono.error(Rejections.failedPrecondition(
                                    "the link code has expired; create a new one on the primary device"));
                        }
                        return addLinked(codeHash, link, name, false, 0)
                                .map(credentials -> new LinkedDevice(credentials, link.provisioningMessage()));
                    });
        });
    }

    /**
     * One compare-and-set round per attempt. The code is consumed (compare-and-delete) in the first round that finds
     * room, and put back if linking then fails for a reason that is not the code's.
     */
    private Mono<Credentials> addLinked(byte[] codeHash, LinkCodeStore.LinkCode link, String name, boolean consumed,
            int attempt) {
        if (attempt == CAS_ATTEMPTS) {
            return restore(codeHash, link).then(Mono.error(() -> Rejections.aborted(
                    "the account's devices kept changing while linking; try again")));
        }
        return devices.load(link.accountId()).flatMap(read -> {
            checkIssuerStillPrimary(read, link);
            if (read.devices().size() >= config.maxDevices()) {
                return (consumed ? restore(codeHash, link) : Mono.<Void>empty())
                        .then(Mono.error(() -> Rejections.failedPrecondition("the account already has "
                                + read.devices().size() + " devices, the maximum; revoke one before linking another")));
            }
            Mono<Void> consume = consumed ? Mono.empty() : linkCodes.consume(codeHash).flatMap(won -> won
                    ? Mono.<Void>empty()
                    : Mono.error(Rejections.failedPrecondition("unknown or already used link code")));
            return consume.then(Mono.defer(() -> {
                int deviceId = read.allocateDeviceId();
                DeviceToken token = DeviceToken.issue(link.accountId(), deviceId);
                DeviceRecord device = newDevice(token, name, clock.instant());
                // Told to the devices of the very read the add is conditional on: exactly those the account had.
                DeviceLinkListener.NewDevice announced = new DeviceLinkListener.NewDevice(link.accountId(), deviceId,
                        name, device.createdAt(), read.devices().stream().map(DeviceRecord::deviceId)
                                .collect(Collectors.toSet()));
                return devices.addLinked(link.accountId(), read, device)
                        .flatMap(added -> added
                                ? notifyLinked(announced)
                                        .onErrorResume(failed -> unlink(codeHash, link, deviceId))
                                        .thenReturn(new Credentials(link.accountId(), deviceId, token.encode()))
                                : addLinked(codeHash, link, name, true, attempt + 1));
            }));
        });
    }

    /** A device added but not announced: removed again (its credential was never handed out), the code put back. */
    private Mono<Void> unlink(byte[] codeHash, LinkCodeStore.LinkCode link, int deviceId) {
        // Whatever becomes of the removal, the code goes back. A device already gone (the primary revoked it) is what
        // the removal wanted; any other failure is the call's, for the log (the device may still be there).
        return remove(link.accountId(), deviceId).onErrorResume(Rejections::isNotFound, gone -> Mono.empty())
                .then(Mono.<Void>error(() -> Rejections.unavailable("the account's other devices could not be told"
                        + " of the new device, so it was not linked; try again with the same code")))
                .onErrorResume(failed -> restore(codeHash, link).then(Mono.error(failed)));
    }

    private Mono<Void> restore(byte[] codeHash, LinkCodeStore.LinkCode link) {
        return Mono.defer(() -> {
            Duration left = Duration.between(clock.instant(), link.expiresAt());
            return !left.isNegative() && !left.isZero() ? linkCodes.put(codeHash, link, left) : Mono.empty();
        });
    }

    private static void checkIssuerStillPrimary(AccountDevices read, LinkCodeStore.LinkCode link) {
        boolean sameIssuer = read.device(AuthenticatedDevice.PRIMARY_DEVICE_ID)
                .map(p -> p.generation() == link.issuerGeneration()).orElse(false);
        if (!sameIssuer) {
            throw Rejections.failedPrecondition("the link code was issued by a device that is no longer the primary");
        }
    }

    public Mono<List<DeviceInfo>> listDevices(AuthenticatedDevice caller) {
        return devices.load(caller.accountId()).map(read -> read.devices().stream()
                .map(d -> new DeviceInfo(d.deviceId(), d.name(), d.createdAt())).toList());
    }

    /** Revokes a device; its credential fails on the very next call. */
    public Mono<Void> revokeDevice(AuthenticatedDevice caller, int deviceId) {
        return Mono.defer(() -> {
            checkRevocable(deviceId);
            if (!caller.isPrimary() && caller.deviceId() != deviceId) {
                throw Rejections.permissionDenied("a linked device can only revoke itself");
            }
            return current.isCurrentNow(caller)
                    .flatMap(current -> current ? remove(caller.accountId(), deviceId)
                            : Mono.error(CurrentDevices.notCurrent()));
        });
    }

    /** An operator's revocation: any linked device of any account, as its primary could. */
    public Mono<Void> revokeAsOperator(UUID accountId, int deviceId) {
        return Mono.defer(() -> {
            checkRevocable(deviceId);
            return remove(accountId, deviceId);
        });
    }

    public Mono<UUID> lookup(AuthenticatedDevice caller, String phoneNumber) {
        return Mono.defer(() -> {
            String phone = PhoneNumbers.requireValid(phoneNumber).e164();
            return limiter.acquire(config.limits().lookupsPerAccount(), caller.accountId().toString())
                    .then(registeredAccount(phone));
        });
    }

    /** The account registered for a number, unlimited: for operators (devices go through {@link #lookup}). */
    public Mono<UUID> findAccount(String phoneNumber) {
        return Mono.defer(() -> registeredAccount(PhoneNumbers.requireValid(phoneNumber).e164()));
    }

    private Mono<UUID> registeredAccount(String e164) {
        return phones.find(e164)
                .switchIfEmpty(Mono.error(() -> Rejections.notFound("no account is registered for this number")));
    }

    private static void checkRevocable(int deviceId) {
        if (deviceId <= 0) {
            throw Rejections.invalidArgument("device_id must be positive");
        }
        if (deviceId == AuthenticatedDevice.PRIMARY_DEVICE_ID) {
            throw Rejections.failedPrecondition("the primary device can't be revoked;"
                    + " register the number on a new phone to replace it");
        }
    }

    private Mono<Void> remove(UUID accountId, int deviceId) {
        return devices.remove(accountId, deviceId)
                .flatMap(removed -> removed ? notifyRemoved(accountId, Set.of(deviceId))
                        : Mono.error(Rejections.notFound("this account has no device " + deviceId)));
    }

    /**
     * Completes once every listener is done; listeners run in parallel and each runs to its end even if another
     * fails (a failure is reported after all of them finished, like waiting for all of them did).
     */
    private Mono<Void> notifyRemoved(UUID accountId, Set<Integer> deviceIds) {
        if (deviceIds.isEmpty()) {
            return Mono.empty();
        }
        return Mono.whenDelayError(removalListeners.stream()
                .map(l -> Mono.fromCompletionStage(() -> l.devicesRemoved(accountId, deviceIds)))
                .toList());
    }

    /** Completes once every listener is done, like {@link #notifyRemoved}. */
    private Mono<Void> notifyLinked(DeviceLinkListener.NewDevice linked) {
        return Mono.whenDelayError(linkListeners.stream()
                .map(l -> Mono.fromCompletionStage(() -> l.deviceLinked(linked)))
                .toList());
    }

    private static DeviceRecord newDevice(DeviceToken token, String name, Instant now) {
        byte[] salt = Secrets.random(16);
        return new DeviceRecord(token.deviceId(), name, salt, Secrets.hash(salt, token.secret()), now, now);
    }

    private static byte[] linkCodeHash(String code) {
        return Secrets.sha256(code.getBytes(StandardCharsets.UTF_8));
    }

    private static String requireDeviceName(String name) {
        String value = name == null ? "" : name;
        if (value.codePointCount(0, value.length()) > MAX_DEVICE_NAME) {
            throw Rejections.invalidArgument("device_name is longer than " + MAX_DEVICE_NAME + " characters");
        }
        return value;
    }
}
