package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.protobuf.ByteString;

import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.cluster.Backoff;
import io.courier.cluster.BackoffLimiter;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Verification sessions (issue 21, "Why" 3 and 4): guesses are bound to the session that requested the code, codes
 * per number back off and are capped, guesses in a session back off, SMS budgets are spent only on codes really
 * sent, numbers that bill the sender are refused, and an attestation hook can refuse. Schedules and budgets under
 * test are built here with their own names (the test profile lifts the node's own); time moves by the node's
 * adjustable clock, never by waiting.
 */
@QuarkusTest
class VerificationSessionsTest extends ServerTest {
    private static final PhoneNumberUtil NUMBERS = PhoneNumberUtil.getInstance();

    @Inject
    VerificationCodeStore codes;

    @Inject
    RateLimiter limiter;

    @Inject
    BackoffLimiter backoffs;

    private final String run = UUID.randomUUID().toString();
    private final RateLimit lots = new RateLimit("test budget " + run, 1_000_000, Duration.ofMillis(1));

    private static String wrongFor(String code) {
        return code.equals("000000") ? "111111" : "000000";
    }

    private static RegisterRequest registration(String phone, ByteString session, String code) {
        return RegisterRequest.newBuilder().setPhoneNumber(phone).setVerificationSessionId(session)
                .setVerificationCode(code).setDeviceName("phone").build();
    }

    private static String example(String region, PhoneNumberType type) {
        return NUMBERS.format(NUMBERS.getExampleNumberForType(region, type), PhoneNumberUtil.PhoneNumberFormat.E164);
    }

    /** The wait a refusal names: the time since the counted action may have taken up to a second off it. */
    private static void assertRetryIn(String message, Duration wait) {
        long seconds = wait.toSeconds();
        assertThat(message).containsAnyOf("retry in " + seconds + " s", "retry in " + (seconds - 1) + " s");
    }

    private Backoff noBackoff() {
        return new Backoff("test codes per number " + run, List.of(Duration.ZERO), 1000, Duration.ofDays(1));
    }

    private VerificationPolicy policy(List<Duration> guessDelays, boolean attestationRequired) {
        return new VerificationPolicy(Duration.ofMinutes(10), 5, guessDelays, attestationRequired);
    }

    private PhoneVerification verification(CodeSendLimits limits, VerificationPolicy policy,
            CodeRequestAttestation attestation) {
        return new PhoneVerification(codes, verificationCodes, attestation, limiter, backoffs, limits, policy, clock);
    }

    private static AccountRegistry.VerificationSession send(PhoneVerification verification, String phone) {
        return send(verification, phone, "");
    }

    private static AccountRegistry.VerificationSession send(PhoneVerification verification, String phone,
            String token) {
        return verification.sendCode(PhoneNumbers.requireValid(phone), token, "peer").block();
    }

    @Test
    void aStrangersWrongGuessesInAnotherSessionDontBurnTheOwnersCode() {
        String phone = randomPhoneNumber();
        String ownersCode = requestCode(phone);
        ByteString owners = sessionFor(phone);
        ByteString strangers = anonymousAccounts().requestVerificationCode(RequestVerificationCodeRequest
                .newBuilder().setPhoneNumber(phone).build()).getVerificationSessionId();
        assertThat(owners.size()).isEqualTo(16);
        assertThat(strangers).isNotEqualTo(owners);

        // The stranger spends its own session's attempts, whatever it guesses, and then it is dead.
        String wrong = wrongFor(ownersCode);
        for (int i = 0; i < 5; i++) {
            assertStatus(Status.Code.PERMISSION_DENIED,
                    () -> anonymousAccounts().register(registration(phone, strangers, wrong)));
        }
        assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> anonymousAccounts().register(registration(phone, strangers, ownersCode)));
        // Guesses with a made-up session or none reach no code at all.
        for (int i = 0; i < 5; i++) {
            assertStatus(Status.Code.FAILED_PRECONDITION, () -> anonymousAccounts().register(
                    registration(phone, ByteString.copyFrom(Secrets.random(16)), wrong)));
            assertStatus(Status.Code.INVALID_ARGUMENT,
                    () -> anonymousAccounts().register(registration(phone, ByteString.EMPTY, wrong)));
        }
        // A session is bound to its number: the owner's session is no key to another number.
        String other = randomPhoneNumber();
        requestCode(other);
        assertThat(assertStatus(Status.Code.FAILED_PRECONDITION,
                () -> anonymousAccounts().register(registration(other, owners, ownersCode))))
                .contains("another phone number");

        // The owner's session still has all five attempts, and the owner registers with it.
        assertThat(assertStatus(Status.Code.PERMISSION_DENIED,
                () -> anonymousAccounts().register(registration(phone, owners, wrong)))).contains("4 attempts left");
        assertThat(anonymousAccounts().register(registration(phone, owners, ownersCode)).getDeviceId()).isEqualTo(1);
    }

    @Test
    void codesPerNumberBackOffAndAreCappedPerDay() {
        Backoff schedule = new Backoff("test codes per number " + run,
                List.of(Duration.ofMinutes(1), Duration.ofMinutes(5)), 3, Duration.ofDays(1));
        PhoneVerification verification = verification(
                new CodeSendLimits(lots, schedule, new CountryBudgets(lots, Map.of()), lots),
                policy(List.of(Duration.ZERO), false), CodeRequestAttestation.ACCEPT_ALL);
        String phone = randomPhoneNumber();

        send(verification, phone);
        String refusal = assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> send(verification, phone));
        assertThat(refusal).contains("too many " + schedule.name());
        assertRetryIn(refusal, Duration.ofMinutes(1));
        send(verification, randomPhoneNumber()); // another number has a schedule of its own
        clock.advance(Duration.ofMinutes(1));
        send(verification, phone);
        clock.advance(Duration.ofMinutes(4));
        assertRetryIn(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> send(verification, phone)),
                Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(1));
        send(verification, phone);
        // The day's three codes are gone: the next waits for the day, counted from the first code, to end.
        clock.advance(Duration.ofHours(10));
        assertRetryIn(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> send(verification, phone)),
                Duration.ofDays(1).minusHours(10).minusMinutes(6));
        clock.advance(Duration.ofHours(14));
        send(verification, phone);
    }

    @Test
    void guessesInASessionBackOff() {
        PhoneVerification verification = verification(
                new CodeSendLimits(lots, noBackoff(), new CountryBudgets(lots, Map.of()), lots),
                policy(List.of(Duration.ZERO, Duration.ofSeconds(30)), false), CodeRequestAttestation.ACCEPT_ALL);
        String phone = randomPhoneNumber();
        AccountRegistry.VerificationSession session = send(verification, phone);
        byte[] code = verificationCodes.lastCodeFor(phone).getBytes(StandardCharsets.US_ASCII);
        byte[] wrong = wrongFor(verificationCodes.lastCodeFor(phone)).getBytes(StandardCharsets.US_ASCII);

        assertStatus(Status.Code.PERMISSION_DENIED, () -> verification.verify(session.id(), phone, wrong).block());
        assertStatus(Status.Code.PERMISSION_DENIED, () -> verification.verify(session.id(), phone, wrong).block());
        assertRetryIn(assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> verification.verify(session.id(), phone, code).block()), Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(30));

        assertThat(verification.verify(session.id(), phone, code).block().attempts())
                .as("the right code after the back-off; the refused guess spent no attempt").isEqualTo(2);
    }

    @Test
    void theCountrysSmsBudgetIsSpentOnlyOnCodesReallySent() {
        RateLimit twoAnHour = new RateLimit("test codes sent to this country code " + run, 2, Duration.ofMinutes(30));
        Backoff oneAMinute = new Backoff("test codes per number " + run, List.of(Duration.ofMinutes(1)), 10,
                Duration.ofDays(1));
        TokenAttestation attestation = new TokenAttestation("good");
        PhoneVerification verification = verification(
                new CodeSendLimits(lots, oneAMinute, new CountryBudgets(lots, Map.of(49, twoAnHour)), lots),
                policy(List.of(Duration.ZERO), false), attestation);
        String first = randomPhoneNumber();
        String second = randomPhoneNumber();
        String third = randomPhoneNumber();

        send(verification, first, "good");
        // Refused before sending, none of these spends the country's budget: the number's back-off, the
        // attestation, a premium-rate number.
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> send(verification, first, "good"));
        assertStatus(Status.Code.PERMISSION_DENIED, () -> send(verification, second, "bad"));
        assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> send(verification, example("DE", PhoneNumberType.PREMIUM_RATE), "good"));
        assertThat(verificationCodes.sentTo(second)).isFalse();
        send(verification, second, "good");

        String message = assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> send(verification, third, "good"));
        assertThat(message).contains("country code");
        assertThat(verificationCodes.sentTo(third)).as("no SMS beyond the budget").isFalse();
        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> send(verification, third, "good")))
                .as("the refused request gave the number's back-off step back").contains("country code");
        send(verification, "+33612345678", "good"); // another country's budget is its own
        assertThat(attestation.checks()).as("the premium-rate number was refused before the hook was asked")
                .isEqualTo(7);
    }

    @Test
    void theGlobalBudgetCapsAllCountries() {
        PhoneVerification verification = verification(new CodeSendLimits(lots, noBackoff(),
                new CountryBudgets(lots, Map.of()), new RateLimit("test global " + run, 1, Duration.ofHours(1))),
                policy(List.of(Duration.ZERO), false), CodeRequestAttestation.ACCEPT_ALL);

        send(verification, "+33612345679");
        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> send(verification, randomPhoneNumber())))
                .contains("too many test global " + run);
    }

    @Test
    void numbersThatBillTheSenderAreRefusedAndSubscriberLinesPass() {
        for (PhoneNumberType refused : List.of(PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
                PhoneNumberType.TOLL_FREE, PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UAN,
                PhoneNumberType.PAGER, PhoneNumberType.VOICEMAIL)) {
            String number = example("DE", refused);
            String message = assertStatus(Status.Code.INVALID_ARGUMENT, () -> anonymousAccounts()
                    .requestVerificationCode(RequestVerificationCodeRequest.newBuilder().setPhoneNumber(number)
                            .build()));
            assertThat(message).as(refused.name()).contains(refused.name().toLowerCase().replace('_', '-'));
            assertThat(verificationCodes.sentTo(number)).isFalse();
        }
        for (String number : List.of(example("DE", PhoneNumberType.MOBILE), example("DE", PhoneNumberType.FIXED_LINE),
                example("US", PhoneNumberType.VOIP), example("US", PhoneNumberType.FIXED_LINE_OR_MOBILE))) {
            assertThat(anonymousAccounts().requestVerificationCode(RequestVerificationCodeRequest.newBuilder()
                    .setPhoneNumber(number).build()).getVerificationSessionId().size()).as(number).isEqualTo(16);
        }
    }

    @Test
    void theAttestationHookCanRefuseAndATokenCanBeRequired() {
        TokenAttestation attestation = new TokenAttestation("good");
        PhoneVerification required = verification(
                new CodeSendLimits(lots, noBackoff(), new CountryBudgets(lots, Map.of()), lots),
                policy(List.of(Duration.ZERO), true), attestation);
        String phone = randomPhoneNumber();

        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> send(required, phone, "")))
                .contains("attestation_token is required");
        assertThat(attestation.checks()).as("no token, nothing to check").isZero();
        assertThat(assertStatus(Status.Code.PERMISSION_DENIED, () -> send(required, phone, "bad")))
                .contains("attestation token was not accepted");
        assertThat(verificationCodes.sentTo(phone)).isFalse();

        send(required, phone, "good");
        assertThat(verificationCodes.sentTo(phone)).isTrue();
    }
}
