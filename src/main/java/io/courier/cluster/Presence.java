package io.courier.cluster;

import java.io.Serializable;

/**
 * Where a device's stream lives: the Hazelcast member (node) holding it and the connection epoch, so a late
 * disconnect of an older stream never removes a newer one.
 */
public record Presence(String memberId, long epoch) implements Serializable {
}
