package io.courier.edge;

import java.util.Locale;

import org.jboss.logging.Logger;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.cluster.DeviceAddress;
import io.courier.common.BoundedLog;
import io.courier.common.TokenBucket;
import io.courier.messaging.FrameErrors;
import io.grpc.Status;
import reactor.core.publisher.Mono;

/**
 * Refused up-frames of one stream: each is answered with a FrameError and counted; a device that keeps sending refused
 * frames (past its own budget of them) is cut off. Confined to the stream's serial executor.
 */
final class Refusals {
    private final DeviceAddress device;
    /** Its refusals bucket, made at the first refused frame. */
    private final StreamBudgets budgets;
    private final Outbound outbound;
    private final StreamMetrics metrics;
    private final BoundedLog faults;
    private final StreamEnd end;

    Refusals(DeviceAddress device, StreamBudgets budgets, Outbound outbound, StreamMetrics metrics, BoundedLog faults,
            StreamEnd end) {
        this.device = device;
        this.budgets = budgets;
        this.outbound = outbound;
        this.metrics = metrics;
        this.faults = faults;
        this.end = end;
    }

    /** Takes from a budget; when it is empty the frame is refused with RATE_LIMITED and does nothing. */
    boolean within(TokenBucket frames, String what) {
        if (frames.tryTake()) {
            return true;
        }
        refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "too many " + what + "; slow down"));
        return false;
    }

    /** Refuses a frame; a device that keeps sending refused frames is cut off. */
    Mono<Void> refuse(FrameError error) {
        metrics.refused(error.getCode().name().substring("FRAME_ERROR_CODE_".length()).toLowerCase(Locale.ROOT));
        if (!budgets.refusals().tryTake()) {
            faults.log(Logger.Level.INFO, device, () -> "Device " + device
                    + " kept sending refused frames; its stream is closed with RESOURCE_EXHAUSTED (last: "
                    + error.getCode() + ")");
            end.close(Status.RESOURCE_EXHAUSTED.withDescription(
                    "too many refused frames; the stream is closed (last: " + error.getMessage() + ")"));
            return Mono.empty();
        }
        outbound.reply(ConnectResponse.newBuilder().setError(error).build());
        return Mono.empty();
    }

    /** Bytes that are no ConnectRequest: the client is broken, so the stream ends before any work is done for it. */
    void undecodable() {
        metrics.frameReceived("invalid");
        metrics.refused("undecodable");
        faults.log(Logger.Level.INFO, device, () -> "Device " + device
                + " sent bytes that are not a ConnectRequest; its stream is closed with INVALID_ARGUMENT");
        end.close(Status.INVALID_ARGUMENT.withDescription(
                "frame is not a valid ConnectRequest (the bytes don't decode as courier.v1.ConnectRequest)"));
    }
}
