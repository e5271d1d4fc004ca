package io.courier.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Decrypted messages on their way to the app, in arrival order. A message goes out when every subscriber has asked
 * for one, and counts as handled once all their {@code onNext} calls have returned; only then does {@code onHandled}
 * run (which acks it). Subscribers are called on the queue's own thread, so a slow app never stalls the stream.
 *
 * <p>Bounded: {@link #hasRoom()} tells the stream reader to stop reading frames while {@code capacity} messages wait.
 * The server's window of un-acked deliveries normally stops it well before that.
 */
final class IncomingQueue {
    private static final Logger LOG = Logger.getLogger(IncomingQueue.class.getName());

    private final int capacity;
    private final Consumer<UnhandledMessage> onHandled;
    private static final String THREAD_NAME = "courier-incoming";
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final Scheduler thread = Schedulers.newSingle(THREAD_NAME, true);
    /** Not yet handled, by server id, oldest first; the head may be with the subscribers right now. */
    private final LinkedHashMap<Long, UnhandledMessage> waiting = new LinkedHashMap<>();
    private final List<Demand> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicInteger drains = new AtomicInteger();
    private volatile boolean closed;

    IncomingQueue(List<UnhandledMessage> restored, int capacity, Consumer<UnhandledMessage> onHandled) {
        this.capacity = capacity;
        this.onHandled = onHandled;
        restored.forEach(message -> waiting.put(message.serverId(), message));
    }

    Flux<IncomingMessage> flux() {
        return Flux.from(subscriber -> {
            if (closed) {
                Operators.complete(subscriber);
                return;
            }
            Demand demand = new Demand(subscriber);
            subscribers.add(demand);
            subscriber.onSubscribe(demand);
            drain();
        });
    }

    synchronized boolean holds(long serverId) {
        return waiting.containsKey(serverId);
    }

    /** Whether a copy of the same sent message waits under another server id. */
    synchronized boolean holdsOrigin(long origin) {
        return waiting.values().stream().anyMatch(message -> message.origin() == origin);
    }

    synchronized boolean hasRoom() {
        return waiting.size() < capacity;
    }

    void add(UnhandledMessage message) {
        synchronized (this) {
            waiting.put(message.serverId(), message);
        }
        drain();
    }

    /**
     * Completes the subscribers. A message whose {@code onNext} is running finishes and counts as handled (the app
     * has it): close waits for that, briefly, so a client reopened on the same store sees it as seen.
     */
    void close() {
        closed = true;
        drain();
        Mono<Void> stopped = thread.disposeGracefully();
        if (Thread.currentThread().getName().startsWith(THREAD_NAME)) {
            stopped.subscribe(); // closed from a subscriber: it can't wait for itself
        } else {
            stopped.timeout(CLOSE_WAIT).onErrorResume(e -> Mono.empty()).block();
        }
    }

    private synchronized UnhandledMessage head() {
        return waiting.isEmpty() ? null : waiting.values().iterator().next();
    }

    private void drain() {
        if (drains.getAndIncrement() == 0) {
            try {
                thread.schedule(this::drainLoop);
            } catch (RejectedExecutionException closedAlready) {
                // closed: nothing more goes out
            }
        }
    }

    private void drainLoop() {
        int missed = 1;
        do {
            while (!closed && handOnOne()) {
                // next
            }
            if (closed) {
                subscribers.forEach(Demand::complete);
            }
            missed = drains.addAndGet(-missed);
        } while (missed != 0);
    }

    /** Hands the oldest message to every subscriber if all want one; true if it did. */
    private boolean handOnOne() {
        UnhandledMessage next = head();
        List<Demand> now = List.copyOf(subscribers);
        if (next == null || now.isEmpty() || now.stream().anyMatch(d -> d.requested.get() == 0)) {
            return false;
        }
        for (Demand demand : now) {
            demand.onNext(next.message());
        }
        onHandled.accept(next);
        synchronized (this) {
            waiting.remove(next.serverId());
        }
        return true;
    }

    private final class Demand implements Subscription {
        private final Subscriber<? super IncomingMessage> subscriber;
        private final AtomicLong requested = new AtomicLong();

        Demand(Subscriber<? super IncomingMessage> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                requested.getAndUpdate(r -> Operators.addCap(r, n));
                drain();
            }
        }

        @Override
        public void cancel() {
            subscribers.remove(this);
            drain(); // the others may be waiting only for this one
        }

        void onNext(IncomingMessage message) {
            if (requested.get() != Long.MAX_VALUE) {
                requested.decrementAndGet();
            }
            try {
                subscriber.onNext(message);
            } catch (RuntimeException e) {
                // Subscribers must not throw (Reactive Streams 2.13): this one is dropped, the message was handed over.
                LOG.log(Level.WARNING, "an incoming() subscriber threw; it gets no more messages", e);
                cancel();
            }
        }

        void complete() {
            subscribers.remove(this);
            subscriber.onComplete();
        }
    }
}
