package io.courier.client;

/**
 * A send was refused before going anywhere: {@code limit} messages already wait for the server's acknowledgement
 * (each is kept in the device's storage until then). Send again once some have completed.
 */
public final class OutboxFullException extends IllegalStateException {
    private final int limit;

    OutboxFullException(int limit) {
        super(limit + " messages are already waiting for the server's acknowledgement");
        this.limit = limit;
    }

    public int limit() {
        return limit;
    }
}
