package io.courier.cluster;

import java.util.function.Consumer;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;

import reactor.core.publisher.Mono;

/**
 * Node-to-node pushes: one Hazelcast topic per member, named after it. Best effort, the fast path only: a push that
 * gets lost is found by the stream's next periodic rescan of the inbox. A node's messages to itself skip Hazelcast
 * (no serialization, no event queue): at a thousand pushes per group message, that is most of a node's bus traffic.
 */
public final class NodeBus {
    private static final String PREFIX = "courier-node-";

    private final HazelcastInstance hazelcast;
    private final String localId;
    private volatile Consumer<BusMessage> localHandler;

    public NodeBus(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.localId = hazelcast.getCluster().getLocalMember().getUuid().toString();
    }

    public Mono<Void> publish(String memberId, BusMessage message) {
        Consumer<BusMessage> local = localHandler;
        if (local != null && memberId.equals(localId)) {
            return Mono.fromRunnable(() -> local.accept(message));
        }
        return Mono.fromCompletionStage(() -> topic(memberId).publishAsync(message));
    }

    /**
     * Delivers this node's messages to {@code handler}: on a Hazelcast event thread, or on the publisher's own thread
     * for messages from this node. Either way the handler must hand heavy work off.
     */
    public void subscribeLocal(Consumer<BusMessage> handler) {
        topic(localId).addMessageListener(message -> handler.accept(message.getMessageObject()));
        localHandler = handler;
    }

    private ITopic<BusMessage> topic(String memberId) {
        return hazelcast.getTopic(PREFIX + memberId);
    }
}
