package io.courier.client;

/** What happens to the client's stream: apps show it, tests synchronise on it. */
public enum ConnectionEvent {
    /** A stream is open; the server is draining the queue. */
    CONNECTED,
    /** Everything queued while offline has been received; live traffic follows. */
    DRAINED,
    /** The stream ended; the client reconnects unless it was closed, revoked or superseded. */
    DISCONNECTED,
    /** The server no longer accepts this device (revoked) or another stream of it took over: no reconnect. */
    STOPPED
}
