package io.courier.messaging;

import java.util.Collection;
import java.util.List;

import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MismatchedDevices;

/** Builders for the FrameError down-frames that refuse an up-frame. */
public final class FrameErrors {
    private FrameErrors() {
    }

    public static FrameError of(FrameErrorCode code, String message) {
        return FrameError.newBuilder().setCode(code).setMessage(message).build();
    }

    public static FrameError forSend(long clientMessageId, FrameErrorCode code, String message) {
        return of(code, message).toBuilder().setClientMessageId(clientMessageId).build();
    }

    static FrameError mismatched(long clientMessageId, List<MismatchedDevices> mismatches) {
        return forSend(clientMessageId, FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES,
                "the message is not encrypted for exactly the current devices; refetch bundles and re-encrypt")
                .toBuilder().addAllMismatchedDevices(mismatches).build();
    }

    public static FrameError forIds(FrameErrorCode code, String message, Collection<Long> serverIds) {
        return of(code, message).toBuilder().addAllServerIds(serverIds).build();
    }
}
