package io.courier.client;

/** What happens to the client's stream: apps show it, tests synchronise on it. */
public enum ConnectionEvent {
    /** A stream is open; the server is draining the queue. */
    CONNECTED,
    /** Everything queued while offline has been received; live traffic follows. */
    DRAINED,
    /** The stream ended; the client reconnects unless it was closed or revoked. */
    DISCONNECTED,
    /** The server no longer accepts this device (revoked): no reconnect. */
    STOPPED
}
