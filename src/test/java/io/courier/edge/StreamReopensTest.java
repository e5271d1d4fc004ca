package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.courier.common.RetryAfter;
import io.grpc.Status;

/**
 * The node's share of reopens: many credentials, each within its own open budget, reconnecting together. Pure
 * logic on a clock the test moves; {@link StreamReopensLimitTest} checks it on a node.
 */
class StreamReopensTest {
    private static final Duration REFILL = Duration.ofMillis(200);
    private static final Duration WINDOW = Duration.ofMinutes(10);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger checked = new AtomicInteger();

    private StreamReopens reopens(int burst, int maxKept) {
        return new StreamReopens(burst, REFILL, WINDOW, maxKept, now::get);
    }

    /** The checks behind the admission (credential and the rest): counted, and passing. */
    private CompletionStage<String> open() {
        checked.incrementAndGet();
        return CompletableFuture.completedFuture("stream");
    }

    private static Status refusal(CompletionStage<String> stage) {
        return stage.toCompletableFuture().handle((ok, error) -> error == null ? Status.OK : Status.fromThrowable(error))
                .join();
    }

    @Test
    void reopensBeyondTheNodesShareAreRefusedUnavailableWithAHintBeforeAnyOtherCheckWhileFirstOpensAllPass() {
        StreamReopens node = reopens(3, 1_000);
        for (int i = 0; i < 50; i++) {
            assertThat(refusal(node.admit("credential-" + i, this::open))).as("first open %d", i)
                    .isEqualTo(Status.OK);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(refusal(node.admit("credential-" + i, this::open))).isEqualTo(Status.OK);
        }
        checked.set(0);

        CompletableFuture<String> refused = node.admit("credential-3", this::open).toCompletableFuture();
        Status status = refusal(refused);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).matches("too many reconnects on this server; retry in [1-2] s");
        assertThat(Long.parseLong(Status.trailersFromThrowable(refused.handle((ok, e) -> e).join())
                .get(RetryAfter.TRAILER))).as("the time until the share's next reopen, plus a spread over its whole"
                        + " refill (3 × 200 ms)").isBetween(200L, 799L);
        assertThat(checked).as("a refused reopen reaches no other check").hasValue(0);
        assertThat(refusal(node.admit("a-new-device", this::open))).as("first opens still pass").isEqualTo(Status.OK);

        now.addAndGet(REFILL.toNanos());
        assertThat(refusal(node.admit("credential-3", this::open))).isEqualTo(Status.OK);
        assertThat(refusal(node.admit("credential-4", this::open)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void anOpenThatFailsItsChecksIsNotRememberedSoGarbageTokensNeitherSpendTheShareNorPushRealOnesOut() {
        StreamReopens node = reopens(1, 2);
        node.admit("real", this::open);
        for (int i = 0; i < 10; i++) {
            node.admit("garbage", () -> CompletableFuture.failedFuture(
                    Status.UNAUTHENTICATED.withDescription("unknown or revoked device").asRuntimeException()));
        }
        assertThat(node.kept()).isEqualTo(1);
        assertThat(node.underWay()).isZero();

        assertThat(refusal(node.admit("real", this::open))).as("spends the one reopen").isEqualTo(Status.OK);
        assertThat(refusal(node.admit("real", this::open)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void parallelOpensOfOneCredentialAreReopensFromTheFirstAttemptNotOnlyOnceOneGotThrough() {
        StreamReopens node = reopens(1, 1_000);
        CompletableFuture<String> firstChecks = new CompletableFuture<>();
        CompletableFuture<String> secondChecks = new CompletableFuture<>();
        CompletionStage<String> first = node.admit("new", () -> firstChecks); // a first open: free
        CompletionStage<String> second = node.admit("new", () -> secondChecks); // the share's one reopen

        Status third = refusal(node.admit("new", this::open));

        assertThat(third.getCode()).as("refused before its checks, while the others' are under way")
                .isEqualTo(Status.Code.UNAVAILABLE);
        firstChecks.complete("stream");
        secondChecks.completeExceptionally(Status.RESOURCE_EXHAUSTED.asRuntimeException());
        assertThat(refusal(first)).isEqualTo(Status.OK);
        assertThat(refusal(second).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(node.underWay()).as("nothing under way is left behind").isZero();
        assertThat(refusal(node.admit("new", this::open))).as("the refused reopen gave its share back")
                .isEqualTo(Status.OK);
    }

    @Test
    void aReopenThatALaterCheckRefusesGivesItsShareBackSoOneDeviceBeyondItsOwnBudgetCantSpendIt() {
        StreamReopens node = reopens(2, 1_000);
        node.admit("greedy", this::open);
        node.admit("honest", this::open);
        for (int i = 0; i < 100; i++) {
            assertThat(refusal(node.admit("greedy", () -> CompletableFuture.failedFuture(
                    RetryAfter.resourceExhausted("too many stream opens of this device", 6_000)))).getCode())
                    .as("refused by its own budget, not the node's").isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
        assertThat(refusal(node.admit("honest", this::open))).isEqualTo(Status.OK);
        assertThat(refusal(node.admit("honest", this::open))).isEqualTo(Status.OK);
        assertThat(refusal(node.admit("honest", this::open)).getCode()).as("the share was two")
                .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void aCredentialIsReopeningOnlyWithinTheWindowAndOnlyTheNewestAreRemembered() {
        StreamReopens node = reopens(1, 2);
        node.admit("a", this::open);
        node.admit("a", this::open); // the share's one reopen
        assertThat(refusal(node.admit("a", this::open)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        now.addAndGet(WINDOW.toNanos()); // the share has refilled; "a" last opened a window ago
        assertThat(refusal(node.admit("a", this::open))).as("a first open again").isEqualTo(Status.OK);
        assertThat(refusal(node.admit("a", this::open))).as("which left the share's reopen").isEqualTo(Status.OK);

        now.addAndGet(WINDOW.toNanos());
        node.admit("b", this::open);
        node.admit("c", this::open);
        node.admit("a", this::open); // outside the window: a first open, now the newest; b is forgotten
        assertThat(node.kept()).isEqualTo(2);
        assertThat(refusal(node.admit("a", this::open))).as("the share's one reopen").isEqualTo(Status.OK);
        assertThat(refusal(node.admit("c", this::open)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(refusal(node.admit("b", this::open))).as("b, the eldest, was forgotten: a first open")
                .isEqualTo(Status.OK);
    }
}
