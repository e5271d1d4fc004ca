package io.courier.client;

import java.util.UUID;

/**
 * The aggregate ticks of a group message this device sent: of {@code members} recipients (the members when it was
 * sent, the sender excluded), how many have it delivered and how many have read it.
 */
public record GroupMessageStatus(long serverId, UUID group, int members, int delivered, int read) {

    public boolean deliveredToAll() {
        return delivered == members;
    }

    public boolean readByAll() {
        return read == members;
    }
}
