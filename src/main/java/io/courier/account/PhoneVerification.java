package io.courier.account;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

import io.courier.cluster.RateLimiter;
import io.courier.common.Rejections;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Proof of phone-number ownership by a code sent to it. Every guess reserves one of the code's attempts with a
 * compare-and-set <em>before</em> the code is compared, so however many guesses arrive at once, at most
 * {@code verification-max-attempts} are ever evaluated. Code sends are limited per peer, per number, per country
 * calling code and globally (SMS toll fraud pumps many numbers of one expensive country).
 */
final class PhoneVerification {
    static final int CODE_LENGTH = 6;
    /** Rounds of re-reading after a lost compare-and-set; each lost round means another guess took an attempt. */
    private static final int CAS_ATTEMPTS = 10;
    private static final String GLOBAL = "all";

    private final VerificationCodeStore codes;
    private final VerificationCodeSender sender;
    private final RateLimiter limiter;
    private final CodeSendLimits limits;
    private final AccountConfig config;
    private final Clock clock;

    PhoneVerification(VerificationCodeStore codes, VerificationCodeSender sender, RateLimiter limiter,
            CodeSendLimits limits, AccountConfig config, Clock clock) {
        this.codes = codes;
        this.sender = sender;
        this.limiter = limiter;
        this.limits = limits;
        this.config = config;
        this.clock = clock;
    }

    /** Sends a fresh code to the number (replacing any pending one, with fresh attempts); completes with its TTL. */
    Mono<Duration> sendCode(PhoneNumbers.Phone phone, String peer) {
        return limiter.acquire(limits.perPeer(), peer)
                .then(limiter.acquire(limits.perNumber(), phone.e164()))
                .then(limiter.acquire(limits.perCountry(), Integer.toString(phone.countryCode())))
                .then(limiter.acquire(limits.global(), GLOBAL))
                .then(Mono.defer(() -> {
                    String code = Secrets.digits(CODE_LENGTH);
                    byte[] salt = Secrets.random(16);
                    Duration ttl = config.verificationCodeTtl();
                    return codes.put(phone.e164(), salt, Secrets.hash(salt, code.getBytes(StandardCharsets.US_ASCII)),
                                    clock.instant().plus(ttl), ttl)
                            .then(send(phone.e164(), code))
                            .thenReturn(ttl);
                }));
    }

    /**
     * The sender is a pluggable gateway with a synchronous interface (an SMS provider's client may well wait on
     * HTTP), so it runs on the bounded elastic scheduler, never on a driver, Hazelcast or transport thread.
     */
    private Mono<Void> send(String phone, String code) {
        return Mono.fromRunnable(() -> sender.send(phone, code)).subscribeOn(Schedulers.boundedElastic()).then();
    }

    /** Refuses anything but {@value #CODE_LENGTH} ASCII digits before an attempt is spent on it. */
    static byte[] requireWellFormed(String code) {
        if (code == null || code.length() != CODE_LENGTH || !code.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw Rejections.invalidArgument("verification_code must be " + CODE_LENGTH + " ASCII digits (0-9)");
        }
        return code.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Completes with the pending code if {@code code} is it, without consuming it (a registration may still be
     * refused by the Registration Lock, and the owner then retries with the same code); fails with the reason
     * otherwise. Every call spends one of the code's attempts.
     */
    Mono<VerificationCodeStore.PendingCode> verify(String phone, byte[] code) {
        return verify(phone, code, 0);
    }

    /** Consumes a verified code; fails if another registration consumed it first. */
    Mono<Void> consume(String phone, VerificationCodeStore.PendingCode verified) {
        return codes.consume(phone, verified).flatMap(consumed -> consumed ? Mono.<Void>empty()
                : Mono.error(Rejections.failedPrecondition(
                        "this verification code was already used; request a new one")));
    }

    private Mono<VerificationCodeStore.PendingCode> verify(String phone, byte[] code, int round) {
        if (round == CAS_ATTEMPTS) {
            return Mono.error(() -> Rejections.aborted("too many concurrent verification attempts; try again"));
        }
        return codes.find(phone)
                .switchIfEmpty(Mono.error(() -> Rejections.failedPrecondition(
                        "no verification code is pending for this number; request one first")))
                .flatMap(pending -> {
                    if (!clock.instant().isBefore(pending.expiresAt())) {
                        return Mono.error(Rejections.failedPrecondition(
                                "the verification code has expired; request a new one"));
                    }
                    if (pending.attempts() >= config.verificationMaxAttempts()) {
                        return Mono.error(Rejections.resourceExhausted("too many wrong verification codes for this"
                                + " number; request a new code"));
                    }
                    // The attempt is spent before the comparison: a guess that loses this race is never compared.
                    return codes.reserveAttempt(phone, pending).flatMap(reserved -> reserved
                            ? judge(code, pending)
                            : verify(phone, code, round + 1));
                });
    }

    private Mono<VerificationCodeStore.PendingCode> judge(byte[] code, VerificationCodeStore.PendingCode pending) {
        if (!Secrets.matches(pending.salt(), code, pending.codeHash())) {
            int left = config.verificationMaxAttempts() - pending.attempts() - 1;
            return Mono.error(Rejections.permissionDenied("wrong verification code; " + left + " attempts left"));
        }
        return Mono.just(pending);
    }
}
