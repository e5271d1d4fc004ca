package io.courier.messaging;

import java.util.Set;
import java.util.UUID;

import reactor.core.publisher.Mono;

/**
 * What the group send path needs from the group capability, which implements it (messaging can't import it: the
 * group capability builds on messaging's inboxes).
 */
public interface GroupFanout {
    /** The group's member accounts; empty if there is no such group. */
    Mono<Set<UUID>> members(UUID groupId);

    /**
     * Records a fan-out job for a stored group message durably, then starts it asynchronously. Completes once the
     * job is durable: from then on it reaches every device of {@code recipients}, even if this node dies.
     */
    Mono<Void> schedule(GroupMessage message, Set<UUID> recipients);
}
