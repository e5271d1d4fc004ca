package io.courier.messaging;

import java.time.Instant;

import io.courier.api.v1.FrameError;

/** What became of one OutgoingMessage. */
public sealed interface SendOutcome {
    /** Stored in every destination inbox: the single tick. */
    record Accepted(long clientMessageId, long serverId, Instant serverTime) implements SendOutcome {
    }

    /** Refused before anything was written. */
    record Refused(FrameError error) implements SendOutcome {
    }
}
