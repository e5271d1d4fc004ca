package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Guessing a verification code: attempts are reserved before a code is compared, so parallel guesses can't exceed
 * the limit; only ASCII digits are guesses at all.
 */
@QuarkusTest
class VerificationAttemptsTest extends ServerTest {
    private static final ExecutorService CALLERS = Executors.newFixedThreadPool(40);
    private static final int MAX_ATTEMPTS = 5;

    @Inject
    GatedVerificationCodeStore codes;

    @AfterAll
    static void stopCallers() {
        CALLERS.shutdownNow();
    }

    private static RegisterRequest registration(String phone, String code) {
        return RegisterRequest.newBuilder().setPhoneNumber(phone).setVerificationSessionId(sessionFor(phone))
                .setVerificationCode(code).setDeviceName("phone").build();
    }

    private static String wrongFor(String code) {
        return code.equals("000000") ? "111111" : "000000";
    }

    private static CompletableFuture<Status.Code> guessAsync(String phone, String code) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                anonymousAccounts().register(registration(phone, code));
                return Status.Code.OK;
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode();
            }
        }, CALLERS);
    }

    /** A number's pending code, its right and a wrong guess. */
    private record Pending(String phone, String code, String wrong) {
    }

    /** A fresh code with four wrong guesses counted: one attempt left. */
    private Pending oneAttemptLeft() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        String wrong = wrongFor(code);
        for (int i = 0; i < MAX_ATTEMPTS - 1; i++) {
            assertStatus(Status.Code.PERMISSION_DENIED, () -> anonymousAccounts().register(registration(phone, wrong)));
        }
        return new Pending(phone, code, wrong);
    }

    @Test
    void theRightCodeNeverWinsOnceTheFifthWrongGuessWasCounted() throws Exception {
        for (int trial = 0; trial < 50; trial++) {
            Pending pending = oneAttemptLeft();
            String phone = pending.phone();
            String code = pending.code();
            String wrong = pending.wrong();

            // The right guess reads "4 attempts used" and waits; the fifth wrong one is counted meanwhile.
            GatedVerificationCodeStore.Gate gate = codes.holdReads(phone, 1);
            CompletableFuture<Status.Code> right = guessAsync(phone, code);
            gate.reached().get(10, TimeUnit.SECONDS);
            String message = assertStatus(Status.Code.PERMISSION_DENIED,
                    () -> anonymousAccounts().register(registration(phone, wrong)));
            assertThat(message).contains("0 attempts left");
            gate.open().complete(null);

            assertThat(right.get(10, TimeUnit.SECONDS)).as("trial %d: the right code after the fifth wrong", trial)
                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
    }

    @Test
    void aWrongAndTheRightGuessAtOnceAfterFourWrongOnesNeverBothGetEvaluated() throws Exception {
        for (int trial = 0; trial < 50; trial++) {
            Pending pending = oneAttemptLeft();
            String phone = pending.phone();

            // Both read "4 attempts used" before either goes on.
            GatedVerificationCodeStore.Gate gate = codes.holdReads(phone, 2);
            CompletableFuture<Status.Code> wrongGuess = guessAsync(phone, pending.wrong());
            CompletableFuture<Status.Code> rightGuess = guessAsync(phone, pending.code());
            gate.reached().get(10, TimeUnit.SECONDS);
            gate.open().complete(null);
            Status.Code wrongOutcome = wrongGuess.get(10, TimeUnit.SECONDS);
            Status.Code rightOutcome = rightGuess.get(10, TimeUnit.SECONDS);

            boolean wrongEvaluated = wrongOutcome == Status.Code.PERMISSION_DENIED;
            boolean rightEvaluated = rightOutcome == Status.Code.OK;
            assertThat(wrongEvaluated ^ rightEvaluated)
                    .as("trial %d: exactly one guess took the last attempt (wrong: %s, right: %s)", trial,
                            wrongOutcome, rightOutcome)
                    .isTrue();
            if (wrongEvaluated) {
                assertThat(rightOutcome).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            }
        }
    }

    @Test
    void fortyGuessesAtOnceEvaluateAtMostFive() throws Exception {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        String wrong = wrongFor(code);

        GatedVerificationCodeStore.Gate gate = codes.holdReads(phone, 40);
        List<CompletableFuture<Status.Code>> guesses = new ArrayList<>();
        guesses.add(guessAsync(phone, code));
        for (int i = 0; i < 39; i++) {
            guesses.add(guessAsync(phone, wrong));
        }
        gate.reached().get(30, TimeUnit.SECONDS);
        gate.open().complete(null);
        List<Status.Code> outcomes = new ArrayList<>();
        for (CompletableFuture<Status.Code> guess : guesses) {
            outcomes.add(guess.get(30, TimeUnit.SECONDS));
        }

        long evaluated = outcomes.stream()
                .filter(s -> s == Status.Code.OK || s == Status.Code.PERMISSION_DENIED).count();
        assertThat(evaluated).as("outcomes %s", outcomes).isBetween(1L, (long) MAX_ATTEMPTS);
        assertThat(outcomes).as("nothing but evaluated guesses and refusals")
                .allMatch(s -> s == Status.Code.OK || s == Status.Code.PERMISSION_DENIED
                        || s == Status.Code.RESOURCE_EXHAUSTED || s == Status.Code.FAILED_PRECONDITION
                        || s == Status.Code.ABORTED);
    }

    @Test
    void fullWidthDigitsAreInvalidAndCostNoAttempt() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        String fullWidth = code.chars().mapToObj(c -> String.valueOf((char) ('\uFF10' + (c - '0'))))
                .reduce("", String::concat);

        String message = assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> anonymousAccounts().register(registration(phone, fullWidth)));
        assertThat(message).contains("ASCII digits");
        String wrong = wrongFor(code);
        String first = assertStatus(Status.Code.PERMISSION_DENIED,
                () -> anonymousAccounts().register(registration(phone, wrong)));
        assertThat(first).as("the full-width guess was not counted").contains("4 attempts left");
        assertThat(anonymousAccounts().register(registration(phone, code)).getDeviceId()).isEqualTo(1);
    }

    @Test
    void aNewCodeEndsALockoutWithFreshAttempts() {
        String phone = randomPhoneNumber();
        String code = requestCode(phone);
        String wrong = wrongFor(code);
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            assertStatus(Status.Code.PERMISSION_DENIED, () -> anonymousAccounts().register(registration(phone, wrong)));
        }
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> anonymousAccounts().register(registration(phone, code)));

        String fresh = requestCode(phone);
        assertThat(anonymousAccounts().register(registration(phone, fresh)).getDeviceId()).isEqualTo(1);
    }

    @Test
    void phoneNumbersAreNormalisedToE164() {
        String phone = randomPhoneNumber();
        String spaced = phone.substring(0, 3) + " " + phone.substring(3, 6) + " " + phone.substring(6);
        var session = anonymousAccounts().requestVerificationCode(RequestVerificationCodeRequest.newBuilder()
                .setPhoneNumber(spaced).build()).getVerificationSessionId();
        String code = verificationCodes.lastCodeFor(phone);

        assertThat(anonymousAccounts().register(RegisterRequest.newBuilder().setPhoneNumber(phone)
                .setVerificationSessionId(session).setVerificationCode(code).build()).getDeviceId()).isEqualTo(1);
    }
}
