package io.courier.cluster;

import java.util.OptionalInt;

/** One node of the cluster as an operator sees it; {@code openStreams} is empty when the node did not answer. */
public record NodeStatus(String memberId, String address, boolean local, OptionalInt openStreams) {
}
