package io.courier.messaging;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import reactor.core.publisher.Mono;

/** What a {@link DeviceMailbox} reads and writes: the device's queue in sequence order and its acked-through mark. */
public interface MailboxStorage {
    /**
     * A stream of the device opened at {@code stream} (its member and epoch): the sequence at or below which
     * everything in the device's queue has been acked, and the first page after it (as {@link #read}, with
     * {@code limit} and {@code maxBytes}). Enqueues push to that stream from now on.
     */
    Mono<Opening> open(DeviceAddress device, Presence stream, int limit, long maxBytes);

    /**
     * The acked-through mark a stream starts from, a mark the log is known to hold ({@code logged}: the stream need
     * not write one at or below it), and the queue's first page after the mark, read in the same step.
     */
    record Opening(long mark, long logged, QueuePage first) {
    }

    /** That stream ended: enqueues wake the device instead (unless a newer stream opened). */
    Mono<Void> closed(DeviceAddress device, Presence stream);

    /**
     * Items after {@code after} in sequence order, up to {@code limit} and about {@code maxBytes} (at least one);
     * the page's {@code coveredThrough} says how far the queue was read (an empty page covering nothing more: the
     * reader is at the head).
     */
    Mono<QueuePage> read(DeviceAddress device, long after, int limit, long maxBytes);

    /**
     * Everything at or below {@code ackedThrough} is acked; completes with whether the log holds an item the move
     * passed, so that a drain from the log's mark needs the new one ({@link #persistMark}).
     */
    Mono<Boolean> advance(DeviceAddress device, long ackedThrough);

    /**
     * Writes the mark to the log: where a drain from the log starts once the queue's entry is gone. Later openings
     * learn that the log holds it.
     */
    Mono<Void> persistMark(DeviceAddress device, long ackedThrough);
}
