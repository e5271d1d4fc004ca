package io.courier.edge;

import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.OutgoingMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.messaging.DownFrames;
import io.courier.messaging.FrameErrors;
import io.courier.messaging.Messenger;
import io.courier.messaging.SendOutcome;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/** A stream's Send frames: handed to messaging, answered with a SendAck or the refusal. */
final class SendPath {
    private final DeviceAddress device;
    private final Messenger messenger;
    /** Its sends and send-bytes buckets, made at the first send. */
    private final StreamBudgets budgets;
    /** Full or compact, as the client asked when it opened the stream. */
    private final DownFrames frames;
    private final Outbound outbound;
    private final Refusals refusals;
    private final Scheduler serial;

    SendPath(DeviceAddress device, Messenger messenger, StreamBudgets budgets, DownFrames frames, Outbound outbound,
            Refusals refusals, Scheduler serial) {
        this.device = device;
        this.messenger = messenger;
        this.budgets = budgets;
        this.frames = frames;
        this.outbound = outbound;
        this.refusals = refusals;
        this.serial = serial;
    }

    /**
     * The frame's bytes are spent here, as they arrive (a retry crossed the wire again too); the count of sends is
     * messaging's to spend, since it knows what a send is (a retry of a stored one costs none).
     */
    Mono<Void> send(OutgoingMessage send) {
        if (!budgets.sendKib().tryTake(kibibytes(send.getSerializedSize()))) {
            return refusals.refuse(FrameErrors.forSend(send.getClientMessageId(),
                    FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "sending too many bytes; slow down"));
        }
        return messenger.send(device, send, budgets.sends()).publishOn(serial).doOnNext(this::answer).then();
    }

    /** Whole KiB: a frame under 1 KiB costs nothing here (the count of sends meters small messages). */
    private static long kibibytes(int bytes) {
        return bytes / 1024;
    }

    private void answer(SendOutcome outcome) {
        if (outcome instanceof SendOutcome.Accepted accepted) {
            outbound.reply(frames.sendAck(accepted));
        } else {
            refusals.refuse(((SendOutcome.Refused) outcome).error());
        }
    }
}
