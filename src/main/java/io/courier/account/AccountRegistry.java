package io.courier.account;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Rejections;

/** Registration by phone number, device linking, listing and revocation. */
public final class AccountRegistry {
    static final int CODE_LENGTH = 6;
    private static final int MAX_DEVICE_NAME = 64;
    private static final int LINK_CODE_BYTES = 24;
    /** Compare-and-set retries when concurrent changes to the same account collide. */
    private static final int CAS_ATTEMPTS = 10;

    /** What a new device gets: its address and its bearer token (shown once). */
    public record Credentials(UUID accountId, int deviceId, String authToken) {
    }

    public record IssuedCode(String code, Duration expiresIn) {
    }

    public record DeviceInfo(int deviceId, String name, Instant createdAt) {
    }

    private final PhoneDirectory phones;
    private final DeviceStore devices;
    private final VerificationCodeStore verificationCodes;
    private final LinkCodeStore linkCodes;
    private final VerificationCodeSender sender;
    private final RateLimiter limiter;
    private final AccountConfig config;
    private final Clock clock;
    private final List<DeviceRemovalListener> removalListeners;

    AccountRegistry(PhoneDirectory phones, DeviceStore devices, VerificationCodeStore verificationCodes,
            LinkCodeStore linkCodes, VerificationCodeSender sender, RateLimiter limiter, AccountConfig config,
            Clock clock, List<DeviceRemovalListener> removalListeners) {
        this.phones = phones;
        this.devices = devices;
        this.verificationCodes = verificationCodes;
        this.linkCodes = linkCodes;
        this.sender = sender;
        this.limiter = limiter;
        this.config = config;
        this.clock = clock;
        this.removalListeners = List.copyOf(removalListeners);
    }

    /** Sends a fresh code to the number, replacing any pending one. */
    public Duration requestVerificationCode(String phoneNumber, String peer) {
        String phone = PhoneNumbers.requireValid(phoneNumber);
        limiter.acquire(config.limits().codeRequestsPerPeer(), peer);
        limiter.acquire(config.limits().codeRequestsPerNumber(), phone);
        String code = Secrets.digits(CODE_LENGTH);
        byte[] salt = Secrets.random(16);
        Duration ttl = config.verificationCodeTtl();
        verificationCodes.put(phone, salt, Secrets.hash(salt, code.getBytes(StandardCharsets.US_ASCII)),
                clock.instant().plus(ttl), ttl);
        sender.send(phone, code);
        return ttl;
    }

    /** Verifies the code and makes the caller the number's primary device (unlinking every earlier device). */
    public Credentials register(String phoneNumber, String code, String deviceName, String peer) {
        String phone = PhoneNumbers.requireValid(phoneNumber);
        if (code == null || code.length() != CODE_LENGTH || !code.chars().allMatch(Character::isDigit)) {
            throw Rejections.invalidArgument("verification_code must be " + CODE_LENGTH + " digits");
        }
        String name = requireDeviceName(deviceName);
        limiter.acquire(config.limits().registrationsPerPeer(), peer);
        consumeVerificationCode(phone, code);

        Instant now = clock.instant();
        UUID accountId = phones.claim(phone, UUID.randomUUID(), now);
        DeviceToken token = DeviceToken.issue(accountId, AuthenticatedDevice.PRIMARY_DEVICE_ID);
        DeviceRecord primary = newDevice(token, name, now);
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            AccountDevices read = devices.load(accountId);
            if (devices.replaceAllWithPrimary(accountId, phone, read, primary)) {
                Set<Integer> replaced = read.devices().stream().map(DeviceRecord::deviceId).collect(Collectors.toSet());
                notifyRemoved(accountId, replaced);
                return new Credentials(accountId, primary.deviceId(), token.encode());
            }
        }
        throw Rejections.aborted("the account's devices kept changing during registration; try again");
    }

    private void consumeVerificationCode(String phone, String code) {
        byte[] codeBytes = code.getBytes(StandardCharsets.US_ASCII);
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            var pending = verificationCodes.find(phone).orElseThrow(() -> Rejections.failedPrecondition(
                    "no verification code is pending for this number; request one first"));
            if (!clock.instant().isBefore(pending.expiresAt())) {
                throw Rejections.failedPrecondition("the verification code has expired; request a new one");
            }
            if (pending.attempts() >= config.verificationMaxAttempts()) {
                throw Rejections.resourceExhausted("too many wrong verification codes for this number;"
                        + " request a new code");
            }
            if (!Secrets.matches(pending.salt(), codeBytes, pending.codeHash())) {
                if (verificationCodes.countWrongAttempt(phone, pending)) {
                    int left = config.verificationMaxAttempts() - pending.attempts() - 1;
                    throw Rejections.permissionDenied("wrong verification code; " + left + " attempts left");
                }
                continue; // a concurrent guess was counted first: re-read and judge again
            }
            if (verificationCodes.consume(phone, pending)) {
                return;
            }
            throw Rejections.failedPrecondition("this verification code was already used; request a new one");
        }
        throw Rejections.aborted("too many concurrent verification attempts; try again");
    }

    /** A one-time code the primary device hands to a new device. */
    public IssuedCode createLinkCode(AuthenticatedDevice caller) {
        if (!caller.isPrimary()) {
            throw Rejections.permissionDenied("only the primary device can link new devices");
        }
        DeviceRecord primary = devices.find(caller.accountId(), caller.deviceId())
                .orElseThrow(() -> Rejections.unauthenticated("unknown or revoked device"));
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(Secrets.random(LINK_CODE_BYTES));
        Duration ttl = config.linkCodeTtl();
        linkCodes.put(linkCodeHash(code),
                new LinkCodeStore.LinkCode(caller.accountId(), primary.credentialSalt(), clock.instant().plus(ttl)),
                ttl);
        return new IssuedCode(code, ttl);
    }

    /** Consumes a link code and adds a device to the code's account. */
    public Credentials linkDevice(String code, String deviceName, String peer) {
        if (code == null || code.isBlank()) {
            throw Rejections.invalidArgument("link_code is required");
        }
        String name = requireDeviceName(deviceName);
        limiter.acquire(config.limits().linksPerPeer(), peer);
        byte[] codeHash = linkCodeHash(code);
        LinkCodeStore.LinkCode link = linkCodes.find(codeHash)
                .orElseThrow(() -> Rejections.failedPrecondition("unknown or already used link code"));
        if (!clock.instant().isBefore(link.expiresAt())) {
            throw Rejections.failedPrecondition("the link code has expired; create a new one on the primary device");
        }
        boolean consumed = false;
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            AccountDevices read = devices.load(link.accountId());
            checkIssuerStillPrimary(read, link);
            if (read.devices().size() >= config.maxDevices()) {
                if (consumed) {
                    restore(codeHash, link);
                }
                throw Rejections.failedPrecondition("the account already has " + read.devices().size()
                        + " devices, the maximum; revoke one before linking another");
            }
            if (!consumed) {
                if (!linkCodes.consume(codeHash)) {
                    throw Rejections.failedPrecondition("unknown or already used link code");
                }
                consumed = true;
            }
            int deviceId = read.allocateDeviceId();
            DeviceToken token = DeviceToken.issue(link.accountId(), deviceId);
            if (devices.addLinked(link.accountId(), read, newDevice(token, name, clock.instant()))) {
                return new Credentials(link.accountId(), deviceId, token.encode());
            }
        }
        restore(codeHash, link);
        throw Rejections.aborted("the account's devices kept changing while linking; try again");
    }

    private void restore(byte[] codeHash, LinkCodeStore.LinkCode link) {
        Duration left = Duration.between(clock.instant(), link.expiresAt());
        if (!left.isNegative() && !left.isZero()) {
            linkCodes.put(codeHash, link, left);
        }
    }

    private static void checkIssuerStillPrimary(AccountDevices read, LinkCodeStore.LinkCode link) {
        boolean sameIssuer = read.device(AuthenticatedDevice.PRIMARY_DEVICE_ID)
                .map(p -> java.util.Arrays.equals(p.credentialSalt(), link.issuerSalt())).orElse(false);
        if (!sameIssuer) {
            throw Rejections.failedPrecondition("the link code was issued by a device that is no longer the primary");
        }
    }

    public List<DeviceInfo> listDevices(AuthenticatedDevice caller) {
        return devices.load(caller.accountId()).devices().stream()
                .map(d -> new DeviceInfo(d.deviceId(), d.name(), d.createdAt())).toList();
    }

    /** Revokes a device; its credential fails on the very next call. */
    public void revokeDevice(AuthenticatedDevice caller, int deviceId) {
        if (deviceId <= 0) {
            throw Rejections.invalidArgument("device_id must be positive");
        }
        if (deviceId == AuthenticatedDevice.PRIMARY_DEVICE_ID) {
            throw Rejections.failedPrecondition("the primary device can't be revoked;"
                    + " register the number on a new phone to replace it");
        }
        if (!caller.isPrimary() && caller.deviceId() != deviceId) {
            throw Rejections.permissionDenied("a linked device can only revoke itself");
        }
        if (devices.find(caller.accountId(), deviceId).isEmpty()) {
            throw Rejections.notFound("this account has no device " + deviceId);
        }
        devices.remove(caller.accountId(), deviceId);
        notifyRemoved(caller.accountId(), Set.of(deviceId));
    }

    public UUID lookup(AuthenticatedDevice caller, String phoneNumber) {
        String phone = PhoneNumbers.requireValid(phoneNumber);
        limiter.acquire(config.limits().lookupsPerAccount(), caller.accountId().toString());
        return phones.find(phone).orElseThrow(() -> Rejections.notFound("no account is registered for this number"));
    }

    private void notifyRemoved(UUID accountId, Set<Integer> deviceIds) {
        if (!deviceIds.isEmpty()) {
            // The account capability still runs on worker threads (Offload.blocking), so it waits here like it
            // waits for its own CQL calls; listeners run in parallel.
            CompletableFuture.allOf(removalListeners.stream()
                    .map(l -> l.devicesRemoved(accountId, deviceIds).toCompletableFuture())
                    .toArray(CompletableFuture[]::new)).join();
        }
    }

    private static DeviceRecord newDevice(DeviceToken token, String name, Instant now) {
        byte[] salt = Secrets.random(16);
        return new DeviceRecord(token.deviceId(), name, salt, Secrets.hash(salt, token.secret()), now);
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
