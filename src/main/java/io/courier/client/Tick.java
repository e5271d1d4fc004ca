package io.courier.client;

import java.util.UUID;

/** A tick change of a message this account sent: SENT, DELIVERED or READ for one recipient. */
public record Tick(long serverId, UUID recipient, State state) {
    public enum State { SENT, DELIVERED, READ }
}
