package io.courier.client;

import java.util.Optional;
import java.util.UUID;

/**
 * A tick change of a message this account sent: SENT, DELIVERED or READ for one recipient (one member, for a group
 * message: {@code group} is then present; the aggregate comes as a {@link GroupMessageStatus}).
 */
public record Tick(long serverId, UUID recipient, State state, Optional<UUID> group) {
    public enum State { SENT, DELIVERED, READ }

    /** A tick of a 1:1 message. */
    public Tick(long serverId, UUID recipient, State state) {
        this(serverId, recipient, state, Optional.empty());
    }
}
