package io.courier.client;

import io.courier.api.v1.FrameErrorCode;

/** The server refused a message for good (not a device mismatch, which the client repairs by itself). */
public final class SendRefusedException extends RuntimeException {
    private final FrameErrorCode code;

    SendRefusedException(FrameErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public FrameErrorCode code() {
        return code;
    }
}
