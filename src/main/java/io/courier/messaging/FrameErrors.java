package io.courier.messaging;

import java.util.Collection;

import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;

/** Builders for the FrameError down-frames that refuse an up-frame. */
public final class FrameErrors {
    private FrameErrors() {
    }

    public static FrameError of(FrameErrorCode code, String message) {
        return FrameError.newBuilder().setCode(code).setMessage(message).build();
    }

    static FrameError forSend(long clientMessageId, FrameErrorCode code, String message) {
        return of(code, message).toBuilder().setClientMessageId(clientMessageId).build();
    }

    public static FrameError forIds(FrameErrorCode code, String message, Collection<Long> serverIds) {
        return of(code, message).toBuilder().addAllServerIds(serverIds).build();
    }
}
