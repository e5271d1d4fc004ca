package io.courier.client;

import java.time.Instant;

/**
 * Server times as the stream sends them: in full, or on a compact stream (the header {@code courier-frames: compact},
 * which this SDK sends) as an offset from the time in the server id. common.proto fixes the id's layout.
 */
final class ServerTimes {
    /** The id's time is milliseconds since 2025-01-01T00:00:00Z in its top 42 bits. */
    private static final long ID_EPOCH_MS = 1_735_689_600_000L;
    private static final int ID_TIME_SHIFT = 22;

    private ServerTimes() {
    }

    /** @param fullMs the full timestamp field (0 on a compact stream) @param offsetMs the offset field */
    static Instant of(long serverId, long fullMs, int offsetMs) {
        return Instant.ofEpochMilli(fullMs != 0 ? fullMs : (serverId >>> ID_TIME_SHIFT) + ID_EPOCH_MS + offsetMs);
    }
}
