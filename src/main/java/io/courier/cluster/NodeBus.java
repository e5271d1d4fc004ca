package io.courier.cluster;

import java.util.function.Consumer;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;

import reactor.core.publisher.Mono;

/**
 * Node-to-node pushes: one Hazelcast topic per member, named after it. Messages to a device's own node go through
 * Hazelcast too, so one node and many behave the same. Best effort, the fast path only: a push that gets lost is
 * found by the stream's next periodic rescan of the inbox.
 */
public final class NodeBus {
    private static final String PREFIX = "courier-node-";

    private final HazelcastInstance hazelcast;

    public NodeBus(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    public Mono<Void> publish(String memberId, BusMessage message) {
        return Mono.fromCompletionStage(() -> topic(memberId).publishAsync(message));
    }

    /** Delivers this node's messages to {@code handler} (on a Hazelcast event thread: hand heavy work off). */
    public void subscribeLocal(Consumer<BusMessage> handler) {
        String local = hazelcast.getCluster().getLocalMember().getUuid().toString();
        topic(local).addMessageListener(message -> handler.accept(message.getMessageObject()));
    }

    private ITopic<BusMessage> topic(String memberId) {
        return hazelcast.getTopic(PREFIX + memberId);
    }
}
