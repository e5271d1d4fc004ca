package io.courier.messaging;

import java.util.List;

import io.courier.cluster.DeviceAddress;
import reactor.core.publisher.Mono;

/** What a {@link DeviceMailbox} reads and writes: the device's inbox in server-id order and its ack cursor. */
public interface MailboxStorage {
    /** The id at or below which everything in the device's inbox has been acked (0 for a new device). */
    Mono<Long> cursor(DeviceAddress device);

    /** Up to {@code limit} entries with ids above {@code after}, in server-id order. */
    Mono<List<InboxItem>> readAfter(DeviceAddress device, long after, int limit);

    Mono<Void> advanceCursor(DeviceAddress device, long ackedThrough);
}
