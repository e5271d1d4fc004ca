package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;

import reactor.core.publisher.BaseSubscriber;

/** The hand-over to the app: on demand, in order, handled only once every subscriber's onNext has returned. */
class IncomingQueueTest {
    private final List<Long> handled = new CopyOnWriteArrayList<>();

    private static UnhandledMessage message(long serverId) {
        return new UnhandledMessage(new IncomingMessage(serverId, UUID.randomUUID(), 1, Instant.now(),
                new byte[] {(byte) serverId}, Optional.empty(), Optional.empty()), -serverId);
    }

    /** Takes only what the test requests. */
    private static final class App extends BaseSubscriber<IncomingMessage> {
        final List<Long> received = new CopyOnWriteArrayList<>();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
        }

        @Override
        protected void hookOnNext(IncomingMessage message) {
            received.add(message.serverId());
        }
    }

    @Test
    void messagesGoOutOnlyAsEverySubscriberAsksAndCountAsHandledAfterwards() {
        IncomingQueue queue = new IncomingQueue(List.of(message(1)), 3, m -> handled.add(m.serverId()));
        App slow = queue.flux().subscribeWith(new App());
        App eager = queue.flux().subscribeWith(new App());
        eager.request(Long.MAX_VALUE);
        queue.add(message(2));
        queue.add(message(3));

        assertThat(queue.hasRoom()).as("three waiting, capacity three").isFalse();
        slow.request(2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> handled.size() == 2);
        assertThat(slow.received).containsExactly(1L, 2L);
        assertThat(eager.received).containsExactly(1L, 2L);
        assertThat(handled).containsExactly(1L, 2L);
        assertThat(queue.holds(3)).isTrue();
        assertThat(queue.holds(1)).isFalse();
        assertThat(queue.holdsOrigin(-3)).isTrue();
        assertThat(queue.hasRoom()).isTrue();

        slow.cancel(); // the eager one alone decides now
        await().atMost(5, TimeUnit.SECONDS).until(() -> handled.size() == 3);
        assertThat(eager.received).containsExactly(1L, 2L, 3L);
        queue.close();
    }

    @Test
    void closeWaitsForTheMessageTheAppIsHandlingAndCountsItHandled() throws Exception {
        IncomingQueue queue = new IncomingQueue(List.of(), 10, m -> handled.add(m.serverId()));
        CountDownLatch inOnNext = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch completed = new CountDownLatch(1);
        queue.flux().subscribe(message -> {
            inOnNext.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, error -> { }, completed::countDown);
        queue.add(message(1));
        assertThat(inOnNext.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(queue::close);
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);

        assertThat(handled).as("its onNext returned: the app has it").containsExactly(1L);
        assertThat(completed.await(5, TimeUnit.SECONDS)).as("subscribers complete on close").isTrue();
    }
}
