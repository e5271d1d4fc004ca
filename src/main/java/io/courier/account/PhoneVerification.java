package io.courier.account;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.courier.cluster.BackoffLimiter;
import io.courier.cluster.RateLimiter;
import io.courier.common.Rejections;
import io.courier.common.RetryAfter;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Proof of phone-number ownership by a code sent to it, in verification sessions (Signal's model): each request
 * opens a session with its own code, and only a caller holding the session's random id can guess at that code, so
 * a stranger's wrong guesses never burn the owner's. Every guess reserves one of the session's attempts with a
 * compare-and-set <em>before</em> the code is compared, so however many guesses arrive at once, at most
 * {@code verification-max-attempts} are ever evaluated, and later guesses back off. Codes per number back off and
 * are capped per day; SMS budgets per country and globally are spent last, only for a code that is really sent.
 */
final class PhoneVerification {
    static final int CODE_LENGTH = 6;
    static final int SESSION_ID_BYTES = 16;
    /** Rounds of re-reading after a lost compare-and-set; each lost round means another guess took an attempt. */
    private static final int CAS_ATTEMPTS = 10;
    private static final String GLOBAL = "all";

    private final VerificationCodeStore codes;
    private final VerificationCodeSender sender;
    private final CodeRequestAttestation attestation;
    private final RateLimiter limiter;
    private final BackoffLimiter backoffs;
    private final CodeSendLimits limits;
    private final VerificationPolicy policy;
    private final Clock clock;

    PhoneVerification(VerificationCodeStore codes, VerificationCodeSender sender, CodeRequestAttestation attestation,
            RateLimiter limiter, BackoffLimiter backoffs, CodeSendLimits limits, VerificationPolicy policy,
            Clock clock) {
        this.codes = codes;
        this.sender = sender;
        this.attestation = attestation;
        this.limiter = limiter;
        this.backoffs = backoffs;
        this.limits = limits;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * Opens a session and sends its code. Checks run cheapest and least exploitable first: the number's type, the
     * peer's budget, the attestation token, the number's back-off; then the country's and the global SMS budgets
     * (a refusal there gives the number's back-off step back, so draining a country's budget doesn't also lock its
     * numbers out); only then is the session stored and its code sent.
     */
    Mono<AccountRegistry.VerificationSession> sendCode(PhoneNumbers.Phone number, String attestationToken,
            String peer) {
        return Mono.defer(() -> {
            PhoneNumbers.Phone phone = number.requireVerifiable();
            String token = attestationToken == null ? "" : attestationToken;
            if (policy.attestationRequired() && token.isEmpty()) {
                throw Rejections.invalidArgument("attestation_token is required to request a verification code");
            }
            return limiter.acquire(limits.perPeer(), peer)
                    .then(attest(token, phone.e164(), peer))
                    .then(backoffs.acquire(limits.perNumber(), phone.e164()))
                    .flatMap(takenAt -> limiter.acquire(limits.perCountry().of(phone.countryCode()),
                                    Integer.toString(phone.countryCode()))
                            .then(limiter.acquire(limits.global(), GLOBAL))
                            // No SMS goes: the number's schedule is as if it had not been asked.
                            .onErrorResume(refused -> backoffs.giveBack(limits.perNumber(), phone.e164(), takenAt)
                                    .then(Mono.error(refused))))
                    .then(Mono.defer(() -> {
                        byte[] session = Secrets.random(SESSION_ID_BYTES);
                        String code = Secrets.digits(CODE_LENGTH);
                        byte[] salt = Secrets.random(16);
                        Duration ttl = policy.codeTtl();
                        return codes.put(session, phone.e164(), salt,
                                        Secrets.hash(salt, code.getBytes(StandardCharsets.US_ASCII)),
                                        clock.instant().plus(ttl), ttl)
                                .then(send(phone.e164(), code))
                                .thenReturn(new AccountRegistry.VerificationSession(session, ttl));
                    }));
        });
    }

    /** The hook may call a captcha or attestation service over HTTP: off the transport and grid threads. */
    private Mono<Void> attest(String token, String phone, String peer) {
        return Mono.fromCallable(() -> attestation.accepts(token, phone, peer))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(accepted -> accepted ? Mono.<Void>empty()
                        : Mono.error(Rejections.permissionDenied("the attestation token was not accepted")));
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

    /** Refuses a missing or malformed session id before anything is read. */
    static byte[] requireSessionId(byte[] sessionId) {
        if (sessionId == null || sessionId.length == 0) {
            throw Rejections.invalidArgument("verification_session_id is required: the id RequestVerificationCode"
                    + " returned");
        }
        if (sessionId.length != SESSION_ID_BYTES) {
            throw Rejections.invalidArgument("verification_session_id must be " + SESSION_ID_BYTES + " bytes, not "
                    + sessionId.length);
        }
        return sessionId;
    }

    /**
     * Completes with the session's code if {@code code} is it, without consuming it (a registration may still be
     * refused by the Registration Lock, and the owner then retries with the same code); fails with the reason
     * otherwise. Every call spends one of the session's attempts, and none of any other session's.
     */
    Mono<VerificationCodeStore.PendingCode> verify(byte[] sessionId, String phone, byte[] code) {
        return verify(sessionId, phone, code, 0);
    }

    /** Consumes a verified code; fails if another registration consumed it first. */
    Mono<Void> consume(VerificationCodeStore.PendingCode verified) {
        return codes.consume(verified).flatMap(consumed -> consumed ? Mono.<Void>empty()
                : Mono.error(Rejections.failedPrecondition(
                        "this verification code was already used; request a new one")));
    }

    private Mono<VerificationCodeStore.PendingCode> verify(byte[] sessionId, String phone, byte[] code, int round) {
        if (round == CAS_ATTEMPTS) {
            return Mono.error(() -> Rejections.aborted("too many concurrent verification attempts; try again"));
        }
        return codes.find(sessionId)
                .filter(pending -> pending.phone() != null)
                .switchIfEmpty(Mono.error(() -> Rejections.failedPrecondition(
                        "unknown or expired verification session; request a new code")))
                .flatMap(pending -> {
                    Instant now = clock.instant();
                    if (!pending.phone().equals(phone)) {
                        return Mono.error(Rejections.failedPrecondition(
                                "this verification session was opened for another phone number"));
                    }
                    if (!now.isBefore(pending.expiresAt())) {
                        return Mono.error(Rejections.failedPrecondition(
                                "the verification code has expired; request a new one"));
                    }
                    if (pending.attempts() >= policy.maxAttempts()) {
                        return Mono.error(Rejections.resourceExhausted("too many wrong verification codes in this"
                                + " session; request a new code"));
                    }
                    if (now.isBefore(pending.nextGuessAt())) {
                        return Mono.error(RetryAfter.resourceExhausted("too many verification code guesses in this"
                                + " session", Duration.between(now, pending.nextGuessAt()).toMillis()));
                    }
                    // The attempt is spent before the comparison: a guess that loses this race is never compared.
                    Instant next = now.plus(policy.delayAfter(pending.attempts() + 1));
                    return codes.reserveAttempt(pending, next, now).flatMap(reserved -> reserved
                            ? judge(code, pending)
                            : verify(sessionId, phone, code, round + 1));
                });
    }

    private Mono<VerificationCodeStore.PendingCode> judge(byte[] code, VerificationCodeStore.PendingCode pending) {
        if (!Secrets.matches(pending.salt(), code, pending.codeHash())) {
            int left = policy.maxAttempts() - pending.attempts() - 1;
            return Mono.error(Rejections.permissionDenied("wrong verification code; " + left + " attempts left"));
        }
        return Mono.just(pending);
    }
}
