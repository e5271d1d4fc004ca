package io.courier.client;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * A request body served as slices of a byte array, without copying it (the HTTP client's own array publishers copy
 * the whole array into fresh buffers first). Each slice handed to the client counts as progress. It can be
 * subscribed again: the client may send a request twice.
 */
final class BlobBody implements Flow.Publisher<ByteBuffer> {
    private static final int SLICE = 64 * 1024;

    private final byte[] bytes;
    private final int length;
    private final LongConsumer progress;

    private BlobBody(byte[] bytes, int length, LongConsumer progress) {
        this.bytes = bytes;
        this.length = length;
        this.progress = progress;
    }

    /** The first {@code length} bytes of {@code bytes}, which must not change until the request is answered. */
    static HttpRequest.BodyPublisher of(byte[] bytes, int length, LongConsumer progress) {
        return HttpRequest.BodyPublishers.fromPublisher(new BlobBody(bytes, length, progress), length);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        subscriber.onSubscribe(new Slices(subscriber));
    }

    /** Emits slices while there is demand; whichever thread raises the work counter from zero emits for all. */
    private final class Slices implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final AtomicLong demand = new AtomicLong();
        private final AtomicInteger work = new AtomicInteger();
        private int offset; // touched only by the emitting thread; the work counter orders hand-overs
        private volatile boolean done;

        Slices(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                done = true;
                subscriber.onError(new IllegalArgumentException("demand must be positive, got " + n));
                return;
            }
            demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            if (work.getAndIncrement() != 0) {
                return;
            }
            do {
                while (!done && demand.get() > 0 && offset < length) {
                    int size = Math.min(SLICE, length - offset);
                    ByteBuffer slice = ByteBuffer.wrap(bytes, offset, size).slice();
                    offset += size;
                    demand.decrementAndGet();
                    progress.accept(size);
                    subscriber.onNext(slice);
                }
                if (!done && offset == length) {
                    done = true;
                    subscriber.onComplete();
                }
            } while (work.decrementAndGet() != 0);
        }

        @Override
        public void cancel() {
            done = true;
        }
    }
}
