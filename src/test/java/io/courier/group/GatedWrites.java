package io.courier.group;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.courier.messaging.GroupMessage;
import io.courier.messaging.GroupWrites;
import reactor.core.publisher.Mono;

/**
 * The real group writes, except that message deliveries stop for good after the first {@code passing}: a job stuck
 * midway, as on a node that dies in the middle of it. {@link #written} counts the deliveries that went through.
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
    public Mono<Void> deliver(GroupMessage message, byte[] ciphertext, UUID member) {
        return Mono.defer(() -> left.getAndDecrement() > 0
                ? real.deliver(message, ciphertext, member).doOnSuccess(done -> written.countDown())
                : Mono.never());
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
    public Mono<Void> deliverEvent(long eventId, byte[] event, UUID account) {
        return real.deliverEvent(eventId, event, account);
    }
}
