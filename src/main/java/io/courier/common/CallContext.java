package io.courier.common;

import io.grpc.Context;
import io.grpc.Status;

/**
 * What the edge learned about the current call, readable by services on the calling thread. Capture it before
 * handing work to another thread: gRPC contexts don't follow work across executors.
 */
public final class CallContext {
    public static final Context.Key<AuthenticatedDevice> DEVICE = Context.key("courier-device");
    public static final Context.Key<String> PEER = Context.key("courier-peer");

    private CallContext() {
    }

    /** The authenticated device; fails with UNAUTHENTICATED on a method the interceptor left open. */
    public static AuthenticatedDevice device() {
        AuthenticatedDevice device = DEVICE.get();
        if (device == null) {
            throw Status.UNAUTHENTICATED.withDescription("this call needs device credentials").asRuntimeException();
        }
        return device;
    }

    /** The peer's IP address, the key of per-peer rate limits. */
    public static String peer() {
        String peer = PEER.get();
        return peer == null ? "unknown" : peer;
    }
}
