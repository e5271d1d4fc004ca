package io.courier.account;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Rejections;
import reactor.core.publisher.Mono;

/**
 * Registration Lock, as Signal has it: a PIN the primary sets, without which the number can't be registered again
 * while any device of its account was active within {@code registration-lock.inactivity}. The PIN is kept only as an
 * Argon2id hash; guesses are limited per number cluster-wide and counted before the PIN is hashed. Setting or
 * clearing the lock costs the account a unit of its own cluster-wide budget, also before any hash.
 */
final class RegistrationLocks {
    private static final int CAS_ATTEMPTS = 10;

    private final DeviceStore devices;
    private final PinHasher hasher;
    private final RateLimiter limiter;
    private final AccountConfig config;
    private final Clock clock;

    RegistrationLocks(DeviceStore devices, PinHasher hasher, RateLimiter limiter, AccountConfig config, Clock clock) {
        this.devices = devices;
        this.hasher = hasher;
        this.limiter = limiter;
        this.config = config;
        this.clock = clock;
    }

    Mono<Void> set(AuthenticatedDevice caller, String pin) {
        return Mono.defer(() -> {
            requirePrimary(caller);
            return hasher.hash(PinHasher.requireWellFormed(pin), changeBudget(caller))
                    .flatMap(stored -> write(caller, Optional.of(stored), 0));
        });
    }

    Mono<Void> clear(AuthenticatedDevice caller) {
        return Mono.defer(() -> {
            requirePrimary(caller);
            return changeBudget(caller).then(write(caller, Optional.empty(), 0));
        });
    }

    private Mono<Void> changeBudget(AuthenticatedDevice caller) {
        return limiter.acquire(config.limits().lockChangesPerAccount(), caller.accountId().toString());
    }

    private static void requirePrimary(AuthenticatedDevice caller) {
        if (!caller.isPrimary()) {
            throw Rejections.permissionDenied("only the primary device can set or clear the registration lock");
        }
    }

    /** Written only if the caller is still the primary install in the very read the write is conditional on. */
    private Mono<Void> write(AuthenticatedDevice caller, Optional<PinHasher.StoredPin> lock, int attempt) {
        if (attempt == CAS_ATTEMPTS) {
            return Mono.error(() -> Rejections.aborted("the account's devices kept changing; try again"));
        }
        return devices.load(caller.accountId()).flatMap(read -> {
            boolean current = read.device(caller.deviceId())
                    .map(d -> d.generation() == caller.generation()).orElse(false);
            if (!current) {
                return Mono.error(CurrentDevices.notCurrent());
            }
            return devices.setLock(caller.accountId(), read, lock)
                    .flatMap(applied -> applied ? Mono.<Void>empty() : write(caller, lock, attempt + 1));
        });
    }

    /** The check of one registration of {@code phone}, presenting {@code pin} (if any). */
    Guard guard(String phone, Optional<byte[]> pin) {
        return new Guard(phone, pin);
    }

    /**
     * Evaluated on every read a registration's compare-and-set depends on; remembers the lock hash it already
     * verified the PIN against, so a lost compare-and-set round costs no second guess.
     */
    final class Guard {
        private final String phone;
        private final Optional<byte[]> pin;
        private volatile byte[] admittedHash;

        private Guard(String phone, Optional<byte[]> pin) {
            this.phone = phone;
            this.pin = pin;
        }

        /**
         * True if the lock is on and the PIN opens it (the account keeps its id), false if no lock applies (none, or
         * lapsed); fails if the lock is on and the PIN is missing or wrong.
         */
        Mono<Boolean> admits(AccountDevices read) {
            if (read.lock().isEmpty()) {
                return Mono.just(false);
            }
            // last_seen lags up to last-seen-refresh behind: the lock errs on holding, never lapses early.
            Instant lapsesAt = read.lastActive().map(seen -> seen.plus(config.registrationLock().inactivity())
                    .plus(config.lastSeenRefresh())).orElse(Instant.MIN);
            Instant now = clock.instant();
            if (!now.isBefore(lapsesAt)) {
                return Mono.just(false);
            }
            PinHasher.StoredPin lock = read.lock().get();
            if (pin.isEmpty()) {
                return Mono.error(Rejections.failedPrecondition(lockedMessage(Duration.between(now, lapsesAt))));
            }
            if (Arrays.equals(admittedHash, lock.hash())) {
                return Mono.just(true);
            }
            return hasher.matches(pin.get(), lock, limiter.acquire(config.limits().pinAttemptsPerNumber(), phone))
                    .flatMap(right -> {
                        if (!right) {
                            return Mono.error(Rejections.permissionDenied("wrong registration lock PIN"));
                        }
                        admittedHash = lock.hash();
                        return Mono.just(true);
                    });
        }

        private String lockedMessage(Duration left) {
            long hours = Math.max(1, (left.toMinutes() + 59) / 60);
            return "registration lock is on for this number: send registration_lock_pin (set on the account's"
                    + " primary device). Without it the number can be registered again once none of its devices has"
                    + " been used for " + config.registrationLock().inactivity().toDays() + " days: in about "
                    + hours + " hours at the earliest. The verification code stays valid.";
        }
    }
}
