package io.courier.messaging;

import java.util.List;

/** Items read from a device's queue, in sequence order; every item at or below {@code coveredThrough} was read. */
public record QueuePage(List<Queued> items, long coveredThrough) {
    public QueuePage {
        items = List.copyOf(items);
    }
}
