package io.courier.edge;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.Pong;
import io.courier.api.v1.QueueEmpty;
import io.courier.api.v1.Read;
import io.courier.cluster.DeviceAddress;
import io.courier.common.TokenBucket;
import io.courier.messaging.DeviceMailbox;
import io.courier.messaging.DownFrames;
import io.courier.messaging.FrameErrors;
import io.courier.messaging.InboxItem;
import io.courier.messaging.MailboxOutlet;
import io.courier.messaging.Queued;
import io.courier.messaging.MessagingMetrics;
import io.courier.messaging.Messenger;
import io.courier.messaging.SendOutcome;
import io.courier.presence.PresenceSubscriptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * One device's Connect stream as one Reactor pipeline: up-frames are requested from gRPC one at a time, only once the
 * previous one is handled and the replies to the client are within bounds; down-frames are written only while the
 * call is ready. The device's queue, window and mark are its {@link DeviceMailbox}'s; this class only turns frames
 * into calls and results into frames. All state is confined to the stream's serial executor.
 */
final class DeviceStream implements StreamObserver<ConnectRequest>, MailboxOutlet {
    /** Ephemeral frames (typing) waiting for the serial executor at most; more are dropped at once. */
    private static final int EPHEMERALS_QUEUED = 8;
    /** Presence notices waiting for the serial executor at most; more are dropped (a resubscribe refreshes). */
    private static final int NOTICES_QUEUED = 256;

    /** The per-device budgets of one stream. */
    record Budgets(TokenBucket sends, TokenBucket acks, TokenBucket reads, TokenBucket pings, TokenBucket typing,
            TokenBucket refusals) {
    }

    private final DeviceAddress device;
    private final long epoch;
    private final ServerCallStreamObserver<ConnectResponse> call;
    private final Scheduler serial;
    private final Messenger messenger;
    private final StreamLifecycle lifecycle;
    private final Budgets budgets;
    private final StreamMetrics metrics;
    private final MessagingMetrics delivery;
    private final Clock clock;
    private final BoundedLog faults;
    private final long openedNanos = System.nanoTime();
    private final int maxIds;
    private final Outbound outbound;
    /** Full or compact, as the client asked when it opened the stream. */
    private final DownFrames frames;
    /** Re-checked before every frame (cached): a device revoked or replaced since the stream opened is cut off. */
    private final Mono<Boolean> stillCurrent;
    private DeviceMailbox mailbox;
    /** Set on the serial executor, read on gRPC's: frames only come after the pipeline's first request. */
    private volatile FluxSink<ConnectRequest> inbound;
    private Disposable pipeline;
    private boolean closed;
    /** Ephemeral frames handed to the serial executor and not yet run there. */
    private final AtomicInteger ephemeralsQueued = new AtomicInteger();
    /** Presence notices handed to the serial executor and not yet run there. */
    private final AtomicInteger noticesQueued = new AtomicInteger();
    private final PresenceFeed presence;
    /** Set when the node drains: no further frame is handled, and the stream ends with this once idle. */
    private StatusRuntimeException drainedWith;
    private boolean closing;
    /**
     * Frames received whose handling is not over (counted up on gRPC's thread, down on the serial one). A count, not
     * a flag: the next frame is requested before the previous one's doFinally runs, so the two can cross.
     */
    private final AtomicInteger framesInFlight = new AtomicInteger();
    private final Sinks.Empty<Void> over = Sinks.empty();
    /** Counted in the open-streams gauge: set when admitted, cleared once when it ends. */
    private final AtomicBoolean counted = new AtomicBoolean();
    /** Liveness is about real time, not the node's (adjustable) clock. */
    private volatile long lastHeardNanos = System.nanoTime();

    /** What the stream needs from the registry that holds it. */
    interface StreamLifecycle {
        /** Takes the device over and registers presence; completes false if the stream must not go on. */
        Mono<Boolean> admit(DeviceStream stream);

        void ended(DeviceStream stream);
    }

    DeviceStream(DeviceAddress device, long epoch, ServerCallStreamObserver<ConnectResponse> call, Scheduler serial,
            Messenger messenger, StreamLifecycle lifecycle, Budgets budgets, EdgeConfig config, StreamMetrics metrics,
            MessagingMetrics delivery, Clock clock, BoundedLog faults, Mono<Boolean> stillCurrent,
            PresenceSubscriptions presence, DownFrames frames) {
        this.device = device;
        this.frames = frames;
        this.faults = faults;
        this.stillCurrent = stillCurrent;
        this.epoch = epoch;
        this.call = call;
        this.serial = serial;
        this.messenger = messenger;
        this.lifecycle = lifecycle;
        this.budgets = budgets;
        this.metrics = metrics;
        this.delivery = delivery;
        this.clock = clock;
        this.maxIds = config.window();
        this.outbound = new Outbound(call, config.maxQueuedReplies(), metrics);
        this.presence = new PresenceFeed(presence, outbound, serial, NOTICES_QUEUED);
        // Manual flow control must be set up before the service method returns.
        call.disableAutoRequest();
        call.setOnReadyHandler(() -> onSerial(outbound::drain));
        call.setOnCancelHandler(() -> onSerial(this::ended));
    }

    /** Attaches the mailbox the stream delivers from (built with this stream as its outlet). */
    void attach(DeviceMailbox mailbox) {
        this.mailbox = mailbox;
    }

    DeviceAddress device() {
        return device;
    }

    long epoch() {
        return epoch;
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    /** Marks the stream counted as open; false if it already was. */
    boolean countOpen() {
        return counted.compareAndSet(false, true);
    }

    /** Unmarks it; true only the first time after {@link #countOpen}. */
    boolean countClosed() {
        return counted.compareAndSet(true, false);
    }

    /** Admission and presence first, then the drain, then up-frames. */
    void start() {
        lifecycle.admit(this).publishOn(serial).subscribe(admitted -> {
            if (closed && admitted) {
                lifecycle.ended(this); // the client left while it was being admitted
            }
            if (!admitted || closed) {
                return;
            }
            metrics.drainStarted();
            mailbox.start();
            pipeline = Flux.<ConnectRequest>create(sink -> {
                inbound = sink;
                sink.onRequest(n -> call.request((int) Math.min(n, Integer.MAX_VALUE)));
            }, FluxSink.OverflowStrategy.ERROR)
                    // Prefetch 0: the next frame is requested only once this one is handled and there is room.
                    // A cached answer completes at once: then the frame costs one hop onto the serial executor.
                    .concatMap(frame -> stillCurrent
                            .flatMap(current -> Mono.defer(() -> current ? handle(frame) : notCurrent())
                                    .subscribeOn(serial))
                            .then(Mono.defer(outbound::room).subscribeOn(serial))
                            .doFinally(signal -> {
                                framesInFlight.decrementAndGet();
                                onSerial(this::drainIfIdle);
                            }), 0)
                    .subscribe(null, this::failed, () -> onSerial(this::halfClosed));
        }, error -> onSerial(() -> {
            if (closed) {
                lifecycle.ended(this); // admission may have registered it before failing
            } else {
                failed(error);
            }
        }));
    }

    /**
     * An ephemeral frame from the node bus: written now or dropped. Dropped at once when {@value #EPHEMERALS_QUEUED}
     * are already waiting for the stream's executor, so peers' typing can't pile up behind a busy stream.
     */
    void signal(ConnectResponse frame) {
        hand(frame, ephemeralsQueued, EPHEMERALS_QUEUED, outbound::offer);
    }

    /** A presence notice from the node bus: queued behind what the stream is writing, within bounds. */
    void notice(ConnectResponse frame) {
        hand(frame, noticesQueued, NOTICES_QUEUED, presence::notice);
    }

    /** This account's privacy changed: the states of the accounts this stream watches, as it may see them now. */
    void refreshPresence() {
        onSerial(() -> {
            if (closed) {
                return;
            }
            presence.refresh().subscribe(null, error -> faults.log(Logger.Level.DEBUG, device,
                    () -> "Presence of " + device + " not refreshed: " + error));
        });
    }

    private void hand(ConnectResponse frame, AtomicInteger queued, int max, Predicate<ConnectResponse> write) {
        if (queued.incrementAndGet() > max) {
            queued.decrementAndGet();
            metrics.refused(StreamMetrics.EPHEMERAL_DROPPED);
            return;
        }
        onSerial(() -> {
            queued.decrementAndGet();
            if (!closed && !write.test(frame)) {
                metrics.refused(StreamMetrics.EPHEMERAL_DROPPED);
            }
        });
    }

    /** A push from the node bus. */
    void push(Queued item) {
        onSerial(() -> {
            if (!closed && mailbox != null) {
                mailbox.push(item);
            }
        });
    }

    @Override
    public void onNext(ConnectRequest frame) {
        lastHeardNanos = System.nanoTime();
        if (frame == FrameParser.UNDECODABLE) {
            undecodable();
            return;
        }
        FluxSink<ConnectRequest> sink = inbound;
        if (sink != null) {
            framesInFlight.incrementAndGet();
            sink.next(frame); // only ever as many as the pipeline requested
        }
    }

    @Override
    public void onError(Throwable t) {
        onSerial(this::ended); // the client went away
    }

    @Override
    public void onCompleted() {
        FluxSink<ConnectRequest> sink = inbound;
        if (sink != null) {
            sink.complete(); // frames still queued are handled first
        } else {
            onSerial(this::halfClosed);
        }
    }

    /** Bytes that are no ConnectRequest: the client is broken, so the stream ends before any work is done for it. */
    private void undecodable() {
        metrics.frameReceived("invalid");
        metrics.refused("undecodable");
        faults.log(Logger.Level.INFO, device, () -> "Device " + device
                + " sent bytes that are not a ConnectRequest; its stream is closed with INVALID_ARGUMENT");
        close(Status.INVALID_ARGUMENT.withDescription(
                "frame is not a valid ConnectRequest (the bytes don't decode as courier.v1.ConnectRequest)"));
    }

    private Mono<Void> handle(ConnectRequest frame) {
        if (closed || closing) {
            return Mono.empty(); // a draining stream takes no new work: the client sends it again elsewhere
        }
        metrics.frameReceived(switch (frame.getFrameCase()) {
            case SEND, ACK, READ, PING, TYPING, PRESENCE_SUBSCRIBE -> frame.getFrameCase().name()
                    .toLowerCase(Locale.ROOT);
            default -> "invalid";
        });
        return switch (frame.getFrameCase()) {
            case SEND -> messenger.send(device, frame.getSend(), budgets.sends()).publishOn(serial)
                    .doOnNext(this::answerSend).then();
            case ACK -> ack(frame.getAck());
            case READ -> read(frame.getRead());
            case PING -> within(budgets.pings(), "pings")
                    ? mailbox.quiet().publishOn(serial).then(Mono.fromRunnable(() -> outbound.reply(
                            ConnectResponse.newBuilder().setPong(Pong.newBuilder().setNonce(frame.getPing().getNonce()))
                                    .build())))
                    : Mono.empty();
            case TYPING -> within(budgets.typing(), "typing indicators")
                    ? messenger.typing(device, frame.getTyping()).publishOn(serial).flatMap(this::refuse)
                    : Mono.empty();
            case PRESENCE_SUBSCRIBE -> presence.subscribe(frame.getPresenceSubscribe(), this::answerPresence);
            default -> refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME,
                    "empty frame: set send, ack, read, ping, typing or presence_subscribe"));
        };
    }

    private Mono<Void> notCurrent() {
        close(Status.UNAUTHENTICATED.withDescription("this device was revoked or replaced"));
        return Mono.empty();
    }

    private void answerSend(SendOutcome outcome) {
        if (outcome instanceof SendOutcome.Accepted accepted) {
            outbound.reply(frames.sendAck(accepted));
        } else {
            refuse(((SendOutcome.Refused) outcome).error());
        }
    }

    /** The current states (or the refusal); the changes that came meanwhile follow ({@link PresenceFeed}). */
    private Mono<Void> answerPresence(PresenceSubscriptions.Answer answer) {
        if (answer instanceof PresenceSubscriptions.Answer.Refused refused) {
            refuse(refused.error());
        } else {
            ((PresenceSubscriptions.Answer.Events) answer).events()
                    .forEach(event -> outbound.reply(PresenceFeed.frame(event)));
        }
        return Mono.empty();
    }

    /** The window frees at once; the stream waits only if too many ack batches are still settling. */
    private Mono<Void> ack(Ack ack) {
        String problem = idsProblem("ack", ack.getServerIdsCount());
        if (problem != null) {
            return refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, problem));
        }
        return within(budgets.acks(), "acks") ? mailbox.ack(ack.getServerIdsList()) : Mono.empty();
    }

    /** Waits for the acks before it: a READ never overtakes the DELIVERED it implies. */
    private Mono<Void> read(Read read) {
        String problem = idsProblem("read", read.getServerIdsCount());
        if (problem != null) {
            return refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, problem));
        }
        if (!within(budgets.reads(), "reads")) {
            return Mono.empty();
        }
        return mailbox.quiet()
                .then(Mono.defer(() -> messenger.read(device, read.getSenderAccountId(), read.getServerIdsList())))
                .publishOn(serial)
                .doOnNext(refused -> {
                    if (!refused.isEmpty()) {
                        refuse(FrameErrors.forIds(FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU,
                                "these messages were not delivered to this account by that sender", refused));
                    }
                })
                .then()
                .onErrorResume(StatusRuntimeException.class, e -> refuse(FrameErrors.of(
                        FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, e.getStatus().getDescription())));
    }

    private String idsProblem(String frame, int count) {
        if (count == 0) {
            return frame + " carries no server_ids";
        }
        if (count > maxIds) {
            return frame + " carries " + count + " server_ids; at most " + maxIds + " per frame";
        }
        return null;
    }

    /** Takes from a budget; when it is empty the frame is refused with RATE_LIMITED and does nothing. */
    private boolean within(TokenBucket budget, String what) {
        if (budget.tryTake()) {
            return true;
        }
        refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "too many " + what + "; slow down"));
        return false;
    }

    /** Refuses a frame; a device that keeps sending refused frames is cut off. */
    private Mono<Void> refuse(FrameError error) {
        metrics.refused(error.getCode().name().substring("FRAME_ERROR_CODE_".length()).toLowerCase(Locale.ROOT));
        if (!budgets.refusals().tryTake()) {
            faults.log(Logger.Level.INFO, device, () -> "Device " + device
                    + " kept sending refused frames; its stream is closed with RESOURCE_EXHAUSTED (last: "
                    + error.getCode() + ")");
            close(Status.RESOURCE_EXHAUSTED.withDescription(
                    "too many refused frames; the stream is closed (last: " + error.getMessage() + ")"));
            return Mono.empty();
        }
        outbound.reply(ConnectResponse.newBuilder().setError(error).build());
        return Mono.empty();
    }

    @Override
    public void deliver(InboxItem item) {
        if (item instanceof InboxItem.Message message) {
            delivery.recordDeliver(Math.max(0, clock.millis() - message.serverTime().toEpochMilli()) * 1_000_000);
        }
        outbound.deliver(frames.of(item));
    }

    @Override
    public void queueEmpty() {
        metrics.drainCompleted(System.nanoTime() - openedNanos);
        outbound.reply(ConnectResponse.newBuilder().setQueueEmpty(QueueEmpty.getDefaultInstance()).build());
    }

    @Override
    public void notDeliveredToYou(List<Long> serverIds) {
        refuse(FrameErrors.forIds(FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU,
                "these ids are not in this device's inbox", serverIds));
    }

    /**
     * Infrastructure failures end the stream: the client reconnects and retries; nothing un-acked is lost. The
     * {@link FailureShield} turns the status into UNAVAILABLE with a reference and logs the cause.
     */
    @Override
    public void failed(Throwable error) {
        close(Status.INTERNAL.withCause(error));
    }

    /** Closes the stream from the server side with a status the client can act on. */
    void close(Status status) {
        close(status.asRuntimeException());
    }

    /** As {@link #close(Status)}, with trailers. */
    void close(StatusRuntimeException status) {
        onSerial(() -> {
            if (!closed) {
                ended();
                try {
                    call.onError(status);
                } catch (RuntimeException alreadyGone) {
                    // the transport is already closed
                }
            }
        });
    }

    /**
     * The node is shutting down: the frame being handled (a send in flight) is finished, acks settle, the replies
     * queued for the client go out, then the stream ends with {@code status}. Frames that arrive meanwhile are not
     * handled (nothing was acknowledged for them; the client sends them again on its next stream). Completes when
     * the stream has ended, however it ended.
     */
    Mono<Void> drain(StatusRuntimeException status) {
        onSerial(() -> {
            if (!closed && drainedWith == null) {
                drainedWith = status;
                drainIfIdle();
            }
        });
        return over.asMono();
    }

    private void drainIfIdle() {
        if (drainedWith == null || closing || closed || framesInFlight.get() > 0) {
            return;
        }
        closing = true;
        if (pipeline == null) {
            close(drainedWith); // not admitted yet: nothing of it to finish
            return;
        }
        mailbox.quiet().publishOn(serial).then(Mono.defer(outbound::flushed))
                .subscribe(null, error -> close(drainedWith), () -> close(drainedWith));
    }

    /** The client is done sending: what the transport takes of the queued replies goes out, then the call ends. */
    private void halfClosed() {
        if (!closed) {
            outbound.drain();
            ended();
            call.onCompleted();
        }
    }

    private void ended() {
        if (!closed) {
            closed = true;
            outbound.close();
            if (mailbox != null) {
                mailbox.close();
            }
            if (pipeline != null) {
                pipeline.dispose();
            }
            presence.close().subscribe(null, error -> faults.log(Logger.Level.DEBUG, device,
                    () -> "Presence subscriptions of " + device + " not all removed: " + error));
            lifecycle.ended(this);
            over.tryEmitEmpty();
        }
    }

    private void onSerial(Runnable work) {
        serial.schedule(work);
    }
}
