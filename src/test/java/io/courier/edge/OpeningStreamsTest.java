package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.courier.common.RetryAfter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

class OpeningStreamsTest {
    private static final Duration HOLD = Duration.ofSeconds(10);

    /** The hand-over executor, run by hand: what a release hands over happens only when the test says so. */
    private static final class Workers implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            for (Runnable task; (task = tasks.poll()) != null;) {
                task.run();
            }
        }
    }

    /** Virtual time that keeps every timer it set, to see which were disposed. */
    private static final class Timers implements Scheduler {
        final VirtualTimeScheduler time = VirtualTimeScheduler.create();
        final List<Disposable> set = new ArrayList<>();

        @Override
        public Disposable schedule(Runnable task) {
            return time.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            Disposable timer = time.schedule(task, delay, unit);
            set.add(timer);
            return timer;
        }

        @Override
        public Worker createWorker() {
            return time.createWorker();
        }
    }

    private final Workers workers = new Workers();
    private final Timers timers = new Timers();

    private OpeningStreams opening(int limit, int maxWaiting) {
        return new OpeningStreams(limit, maxWaiting, HOLD, workers, timers);
    }

    @Test
    void opensOnTheirWayToTheLineCountAgainstItsBoundSoTheirChecksQueueCantGrowPastIt() {
        OpeningStreams opening = opening(1, 2);
        assertThat(opening.acquire().getNow(null)).isNotNull();
        assertThat(opening.acquire()).isNotDone(); // one waiting

        assertThat(opening.arriving()).as("one waiting and one on its way: at the bound").isTrue();
        assertThat(opening.arriving()).as("past the bound").isFalse();
        assertThat(OpeningStreams.refusedAsFull(opening.fullRefusal())).isTrue();

        opening.arrived();
        assertThat(opening.arriving()).as("its checks started: room again").isTrue();
    }

    @Test
    void theLineIsFullOnlyForItsOwnRefusalNotForAnotherUnavailableThatReadsTheSame() {
        OpeningStreams opening = opening(1, 0);
        StatusRuntimeException full = opening.fullRefusal();
        StatusRuntimeException lookalike = full.getStatus().asRuntimeException(); // e.g. relayed from another node

        assertThat(OpeningStreams.refusedAsFull(new CompletionException(full))).as("as a stage wraps it").isTrue();
        assertThat(OpeningStreams.refusedAsFull(lookalike)).isFalse();
        assertThat(OpeningStreams.refusedAsFull(new CompletionException(lookalike))).isFalse();
    }

    @Test
    void opensBeyondTheLimitWaitAndGetInInArrivalOrderOnAWorkerAsSlotsAreReleased() {
        OpeningStreams opening = opening(2, 10);
        OpeningStreams.Slot first = opening.acquire().getNow(null);
        OpeningStreams.Slot second = opening.acquire().getNow(null);
        CompletableFuture<OpeningStreams.Slot> third = opening.acquire();
        CompletableFuture<OpeningStreams.Slot> fourth = opening.acquire();

        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(third).isNotDone();
        assertThat(fourth).isNotDone();
        assertThat(opening.waiting()).isEqualTo(2);

        first.release();
        assertThat(third).as("not handed over on the releasing thread").isNotDone();
        workers.runAll();
        assertThat(third.getNow(null)).isNotNull();
        assertThat(fourth).isNotDone();

        second.release();
        workers.runAll();
        assertThat(fourth.getNow(null)).isNotNull();
        assertThat(opening.waiting()).isZero();
        assertThat(opening.opening()).isEqualTo(2);
    }

    @Test
    void aSlotReleasedTwiceFreesOnePlace() {
        OpeningStreams opening = opening(1, 10);
        OpeningStreams.Slot only = opening.acquire().getNow(null);
        CompletableFuture<OpeningStreams.Slot> next = opening.acquire();
        CompletableFuture<OpeningStreams.Slot> after = opening.acquire();

        only.release();
        only.release(); // at its QueueEmpty and again at its end
        workers.runAll();

        assertThat(next).isCompleted();
        assertThat(after).isNotDone();
    }

    @Test
    void anOpenWhoseClientGaveUpLeavesTheLineAtOnceAndTheNextPlaceGoesToTheOneBehindIt() {
        OpeningStreams opening = opening(1, 10);
        OpeningStreams.Slot only = opening.acquire().getNow(null);
        CompletableFuture<OpeningStreams.Slot> gaveUp = opening.acquire();
        CompletableFuture<OpeningStreams.Slot> patient = opening.acquire();

        gaveUp.completeExceptionally(Status.CANCELLED.asRuntimeException());

        assertThat(opening.waiting()).as("gone before any slot comes back").isEqualTo(1);
        only.release();
        workers.runAll();
        assertThat(patient).isCompleted();
    }

    @Test
    void aPlaceHandedToAnOpenThatGaveUpOnTheWayGoesOnToTheNext() {
        OpeningStreams opening = opening(1, 10);
        OpeningStreams.Slot only = opening.acquire().getNow(null);
        CompletableFuture<OpeningStreams.Slot> gaveUp = opening.acquire();
        CompletableFuture<OpeningStreams.Slot> patient = opening.acquire();

        only.release(); // gaveUp leaves the line; its hand-over is queued on the workers
        gaveUp.completeExceptionally(Status.CANCELLED.asRuntimeException());
        workers.runAll();

        assertThat(patient).isCompleted();
        assertThat(opening.opening()).isEqualTo(1);
    }

    @Test
    void aFullLineRefusesAtOnceWithUnavailableAndARetryHintThenTakesOpensAgainOnceItMoves() {
        OpeningStreams opening = opening(1, 2);
        OpeningStreams.Slot only = opening.acquire().getNow(null);
        opening.acquire();
        opening.acquire();

        CompletableFuture<OpeningStreams.Slot> refused = opening.acquire();

        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("2 stream opens waiting", "retry in 5 s");
                    assertThat(e.getTrailers().get(RetryAfter.TRAILER)).isEqualTo("5000");
                    assertThat(OpeningStreams.refusedAsFull(e)).isTrue();
                });
        assertThat(opening.waiting()).isEqualTo(2);

        only.release();
        workers.runAll();
        assertThat(opening.acquire()).isNotDone();
        assertThat(opening.waiting()).isEqualTo(2);
    }

    @Test
    void aSlotNotReleasedWithinTheBoundReleasesItselfAndOneReleasedInTimeLeavesNoTimer() {
        OpeningStreams opening = opening(2, 10);
        OpeningStreams.Slot opened = opening.acquire().getNow(null);
        opening.acquire().getNow(null); // never reaches QueueEmpty
        CompletableFuture<OpeningStreams.Slot> waiting = opening.acquire();

        opened.release();
        workers.runAll();
        assertThat(waiting).isCompleted();
        assertThat(timers.set).hasSize(3);
        assertThat(timers.set.get(0).isDisposed()).as("the opened stream's timer").isTrue();
        assertThat(timers.set.get(1).isDisposed()).isFalse();

        CompletableFuture<OpeningStreams.Slot> afterTheBound = opening.acquire();
        timers.time.advanceTimeBy(HOLD.minusMillis(1));
        workers.runAll();
        assertThat(afterTheBound).isNotDone();
        timers.time.advanceTimeBy(Duration.ofMillis(1));
        workers.runAll();
        assertThat(afterTheBound).isCompleted();
    }

    @Test
    void onceTheWorkersAreGoneTheNextWaiterHearsTheNodeIsStoppingAndThePlaceIsFreed() {
        OpeningStreams opening = new OpeningStreams(1, 10, HOLD, task -> {
            throw new RejectedExecutionException("disposed");
        }, timers);
        OpeningStreams.Slot only = opening.acquire().getNow(null);
        CompletableFuture<OpeningStreams.Slot> waiting = opening.acquire();

        only.release();

        assertThatThrownBy(waiting::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("shutting down");
                });
        assertThat(opening.opening()).isZero();
    }

    @Test
    void aLimitBelowOneIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> opening(0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("courier.edge.max-opening-streams");
        assertThatThrownBy(() -> opening(1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("courier.edge.max-waiting-opens");
    }
}
