package io.courier.messaging;

import java.io.Serializable;

import io.courier.cluster.Presence;

/**
 * Where a device queue's entry last knew the device's stream to be, answered with an enqueue so the push needs no
 * presence lookup: {@code at} the stream's member and epoch, or null when it has none (wake it). Not {@code known}:
 * the entry can't say (created since the device's last open); the presence directory is asked.
 */
record StreamSighting(boolean known, Presence at) implements Serializable {
    static final StreamSighting UNKNOWN = new StreamSighting(false, null);
}
