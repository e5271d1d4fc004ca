package io.courier.group;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.courier.messaging.GroupMessage;
import io.courier.messaging.GroupWrites;
import reactor.core.publisher.Mono;

/**
 * The real group writes, except that message deliveries stop for good after the first {@code passing} members: a job
 * stuck midway, as on a node that dies in the middle of it. {@link #written} counts the deliveries that went through.
 */
final class GatedWrites implements GroupWrites {
    private final GroupWrites real;
    private final AtomicInteger left;
    final CountDownLatch written;

    GatedWrites(GroupWrites real, int passing) {
        this.real = real;
        this.left = new AtomicInteger(passing);
        this.written = new CountDownLatch(passing);
    }

    @Override
    public Mono<Void> deliver(GroupMessage message, Mono<byte[]> ready, List<UUID> members, int lookups) {
        return Mono.defer(() -> {
            int passed = Math.max(0, Math.min(left.getAndAdd(-members.size()), members.size()));
            Mono<Void> through = passed == 0 ? Mono.empty()
                    : real.deliver(message, ready, members.subList(0, passed), lookups)
                            .doOnSuccess(done -> IntStream.range(0, passed).forEach(i -> written.countDown()));
            return passed < members.size() ? through.then(Mono.never()) : through;
        });
    }

    @Override
    public Mono<byte[]> payload(GroupMessage message) {
        return real.payload(message);
    }

    @Override
    public Mono<Void> recordSent(GroupMessage message, List<UUID> recipients) {
        return real.recordSent(message, recipients);
    }

    @Override
    public Mono<Void> storeEvent(long eventId, byte[] event) {
        return real.storeEvent(eventId, event);
    }

    @Override
    public Mono<Void> deliverEvent(long eventId, byte[] event, List<UUID> accounts, int lookups) {
        return real.deliverEvent(eventId, event, accounts, lookups);
    }
}
