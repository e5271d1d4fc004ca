package io.courier.edge;

import java.util.Locale;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.FrameErrorCode;
import io.courier.messaging.FrameErrors;
import reactor.core.publisher.Mono;

/** Counts each up-frame by type and hands it to the path that handles its type. */
final class UpFrames {
    private final StreamMetrics metrics;
    private final Refusals refusals;
    private final SendPath sends;
    private final AckPath acks;
    private final PresenceAndTyping live;

    UpFrames(StreamMetrics metrics, Refusals refusals, SendPath sends, AckPath acks, PresenceAndTyping live) {
        this.metrics = metrics;
        this.refusals = refusals;
        this.sends = sends;
        this.acks = acks;
        this.live = live;
    }

    /** Completes when the frame is handled (a send acknowledged or refused, acks settling within bounds). */
    Mono<Void> handle(ConnectRequest frame) {
        metrics.frameReceived(switch (frame.getFrameCase()) {
            case SEND, ACK, READ, PING, TYPING, PRESENCE_SUBSCRIBE -> frame.getFrameCase().name()
                    .toLowerCase(Locale.ROOT);
            default -> "invalid";
        });
        return switch (frame.getFrameCase()) {
            case SEND -> sends.send(frame.getSend());
            case ACK -> acks.ack(frame.getAck());
            case READ -> acks.read(frame.getRead());
            case PING -> acks.ping(frame.getPing());
            case TYPING -> live.typing(frame.getTyping());
            case PRESENCE_SUBSCRIBE -> live.subscribe(frame.getPresenceSubscribe());
            default -> refusals.refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME,
                    "empty frame: set send, ack, read, ping, typing or presence_subscribe"));
        };
    }
}
