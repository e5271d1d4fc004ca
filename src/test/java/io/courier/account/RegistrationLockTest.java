package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.ClearRegistrationLockRequest;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RegisterResponse;
import io.courier.api.v1.SetRegistrationLockRequest;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Registration Lock: a number whose devices were active in the last 7 days can be registered again only with the
 * PIN; guesses are limited per number, also when they race; the lock lapses after 7 days without activity.
 */
@QuarkusTest
class RegistrationLockTest extends ServerTest {
    private static final String PIN = "4711";
    private static final String WRONG_PIN = "0815";
    private static final int PIN_ATTEMPTS = 5;
    private static final ExecutorService CALLERS = Executors.newFixedThreadPool(4);

    @Inject
    GatedVerificationCodeStore codes;

    @AfterAll
    static void stopCallers() {
        CALLERS.shutdownNow();
    }

    private static RegisterResponse registerWith(String phone, String code, String pin) {
        return anonymousAccounts().register(RegisterRequest.newBuilder().setPhoneNumber(phone)
                .setVerificationSessionId(sessionFor(phone)).setVerificationCode(code).setDeviceName("new phone").setRegistrationLockPin(pin).build());
    }

    private static CompletableFuture<Status.Code> registerAsync(String phone, String code, String pin) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                registerWith(phone, code, pin);
                return Status.Code.OK;
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode();
            }
        }, CALLERS);
    }

    private RegisteredDevice locked() {
        RegisteredDevice owner = registerNew();
        accounts(owner).setRegistrationLock(SetRegistrationLockRequest.newBuilder().setPin(PIN).build());
        return owner;
    }

    @Test
    void withoutThePinTheLockRefusesWithAWrongOneItCountsWithTheRightOneTheAccountIsKept() {
        RegisteredDevice owner = locked();
        String phone = owner.phoneNumber();
        String code = requestCode(phone);

        String refusal = assertStatus(Status.Code.FAILED_PRECONDITION, () -> registerWith(phone, code, ""));
        assertThat(refusal).contains("registration lock is on").contains("7 days").contains("hours");
        assertStatus(Status.Code.PERMISSION_DENIED, () -> registerWith(phone, code, WRONG_PIN));
        // Same code: a lock refusal leaves it pending. Full-width digits are the same PIN (NFKC).
        RegisterResponse kept = registerWith(phone, code, "\uFF14\uFF17\uFF11\uFF11");

        assertThat(kept.getAccountId()).as("the right PIN keeps the account id").isEqualTo(owner.accountId());
        assertStatus(Status.Code.UNAUTHENTICATED,
                () -> accounts(owner).listDevices(ListDevicesRequest.getDefaultInstance()));
        String next = requestCode(phone);
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> registerWith(phone, next, ""));
    }

    @Test
    void lockChangesCostTheAccountsBudgetBeforeAnyHashAndARefusedOneLeavesTheLockAsItWas() {
        RegisteredDevice owner = locked(); // the 1st of 5 changes
        for (int i = 2; i <= 5; i++) {
            accounts(owner).setRegistrationLock(SetRegistrationLockRequest.newBuilder().setPin(PIN).build());
        }

        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> accounts(owner).setRegistrationLock(
                SetRegistrationLockRequest.newBuilder().setPin(WRONG_PIN).build())))
                .contains("registration lock changes by this account");
        assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> accounts(owner).clearRegistrationLock(ClearRegistrationLockRequest.getDefaultInstance()));

        String phone = owner.phoneNumber();
        String code = requestCode(phone);
        assertStatus(Status.Code.PERMISSION_DENIED, () -> registerWith(phone, code, WRONG_PIN));
        assertThat(registerWith(phone, code, PIN).getAccountId()).as("still locked with the PIN set before")
                .isEqualTo(owner.accountId());
    }

    @Test
    void aClearedLockNoLongerProtects() {
        RegisteredDevice owner = locked();
        accounts(owner).clearRegistrationLock(ClearRegistrationLockRequest.getDefaultInstance());

        RegisteredDevice replaced = register(owner.phoneNumber());
        assertThat(replaced.accountId()).as("a fresh account, as for any recycled number")
                .isNotEqualTo(owner.accountId());
    }

    @Test
    void theLockHoldsWhileDevicesAreUsedAndLapsesAfterSevenDaysWithout() {
        RegisteredDevice owner = locked();
        String phone = owner.phoneNumber();
        clock.advance(Duration.ofDays(5));
        accounts(owner).listDevices(ListDevicesRequest.getDefaultInstance()); // activity on day 5
        clock.advance(Duration.ofDays(6));

        String code = requestCode(phone);
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> registerWith(phone, code, ""));

        clock.advance(Duration.ofDays(3)); // 9 days after the last activity: beyond 7 days and the 1-day lag
        RegisterResponse fresh = registerWith(phone, requestCode(phone), "");
        assertThat(fresh.getAccountId()).as("a lapsed lock protects nothing: a fresh account")
                .isNotEqualTo(owner.accountId());
    }

    /** A locked number with four wrong PINs counted (with one code) and a fresh code: one PIN guess left. */
    private String oneGuessLeft(RegisteredDevice owner) {
        String phone = owner.phoneNumber();
        String first = requestCode(phone);
        for (int i = 0; i < PIN_ATTEMPTS - 1; i++) {
            assertStatus(Status.Code.PERMISSION_DENIED, () -> registerWith(phone, first, WRONG_PIN));
        }
        return requestCode(phone);
    }

    @Test
    void theRightPinNeverWinsOnceTheFifthWrongOneWasCounted() throws Exception {
        for (int trial = 0; trial < 5; trial++) {
            RegisteredDevice owner = locked();
            String phone = owner.phoneNumber();
            String code = oneGuessLeft(owner);

            // The right guess has read the code and waits; the fifth wrong one is evaluated meanwhile.
            GatedVerificationCodeStore.Gate gate = codes.holdReads(phone, 1);
            CompletableFuture<Status.Code> right = registerAsync(phone, code, PIN);
            gate.reached().get(10, TimeUnit.SECONDS);
            assertStatus(Status.Code.PERMISSION_DENIED, () -> registerWith(phone, code, WRONG_PIN));
            gate.open().complete(null);

            assertThat(right.get(30, TimeUnit.SECONDS)).as("trial %d: the right PIN after the fifth wrong", trial)
                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
    }

    @Test
    void aWrongAndTheRightPinAtOnceWithOneGuessLeftNeverBothGetEvaluated() throws Exception {
        for (int trial = 0; trial < 5; trial++) {
            RegisteredDevice owner = locked();
            String phone = owner.phoneNumber();
            String code = oneGuessLeft(owner);

            GatedVerificationCodeStore.Gate gate = codes.holdReads(phone, 2);
            CompletableFuture<Status.Code> wrong = registerAsync(phone, code, WRONG_PIN);
            CompletableFuture<Status.Code> right = registerAsync(phone, code, PIN);
            gate.reached().get(10, TimeUnit.SECONDS);
            gate.open().complete(null);
            Status.Code wrongOutcome = wrong.get(30, TimeUnit.SECONDS);
            Status.Code rightOutcome = right.get(30, TimeUnit.SECONDS);

            boolean wrongEvaluated = wrongOutcome == Status.Code.PERMISSION_DENIED;
            boolean rightEvaluated = rightOutcome == Status.Code.OK;
            assertThat(wrongEvaluated ^ rightEvaluated)
                    .as("trial %d: exactly one PIN took the last guess (wrong: %s, right: %s)", trial, wrongOutcome,
                            rightOutcome)
                    .isTrue();
            if (wrongEvaluated) {
                assertThat(rightOutcome).as("the last guess is gone").isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            } else {
                // The right PIN may finish first and consume the code: then the wrong one finds no code at all.
                assertThat(wrongOutcome).as("refused without its PIN being looked at")
                        .isIn(Status.Code.RESOURCE_EXHAUSTED, Status.Code.FAILED_PRECONDITION);
            }
        }
    }
}
