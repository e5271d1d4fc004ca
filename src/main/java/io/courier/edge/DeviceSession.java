package io.courier.edge;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import io.courier.common.Ids;
import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.Pong;
import io.courier.api.v1.QueueEmpty;
import io.courier.api.v1.Read;
import io.courier.api.v1.SendAck;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.messaging.DownFrames;
import io.courier.messaging.FrameErrors;
import io.courier.messaging.InboxItem;
import io.courier.messaging.InboxStore;
import io.courier.messaging.Messenger;
import io.courier.messaging.SendOutcome;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * One device's Connect stream. Everything that touches its state runs on its {@link SerialExecutor}, in order.
 *
 * <p>Deliveries come from two places: scans of the inbox (on connect, and to recover after the window overflowed)
 * and live pushes from the node bus. At most {@code window} deliveries are un-acked at once; a push that finds the
 * window full is dropped and recovered by a rescan, so a slow device never makes the node buffer without bound.
 */
final class DeviceSession implements StreamObserver<ConnectRequest> {
    private static final Logger LOG = Logger.getLogger(DeviceSession.class);
    private static final int PAGE = 128;
    private static final int REMEMBERED_ACKS = 4096;
    /** Ids newer than this may still be landing in the inbox out of order; the cursor never passes them. */
    private static final Duration CURSOR_LAG = Duration.ofMinutes(5);

    private final DeviceAddress device;
    private final long epoch;
    private final ServerCallStreamObserver<ConnectResponse> out;
    private final SerialExecutor serial;
    private final Executor background;
    private final Messenger messenger;
    private final InboxStore inbox;
    private final SessionRegistry registry;
    private final Clock clock;
    private final int window;

    private record WaitingForAcks(Set<Long> acks, Runnable work) {
    }

    // State below is touched only on the serial executor.
    /**
     * Delivered, not yet acked, by server id (a push may arrive behind the scan, so delivery order is not id
     * order); the item is kept so an ack needs no read to know what it acks.
     */
    private final TreeMap<Long, InboxItem> unacked = new TreeMap<>();
    /** The last acked ids, so a duplicate ack or a late push changes nothing. */
    private final Set<Long> recentlyAcked = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > REMEMBERED_ACKS;
        }
    });
    /** Acked ids whose receipt bookkeeping is still running: the cursor stays below them. */
    private final TreeSet<Long> acksInFlight = new TreeSet<>();
    /** Pings and reads that arrived while acks were in flight: each runs once those acks are done, in order. */
    private final ArrayDeque<WaitingForAcks> afterAcks = new ArrayDeque<>();

    private long cursor;
    private long scanPosition;
    private boolean scanning;
    private boolean rescanAfterScan;
    private boolean queueEmptySent;
    private long highestDelivered;
    private boolean closed;
    /** Liveness is about real time, not the node's (adjustable) clock. */
    private volatile long lastHeardNanos;

    DeviceSession(DeviceAddress device, long epoch, ServerCallStreamObserver<ConnectResponse> out,
            SerialExecutor serial, Executor background, Messenger messenger, InboxStore inbox, SessionRegistry registry,
            Clock clock, int window) {
        this.device = device;
        this.epoch = epoch;
        this.out = out;
        this.serial = serial;
        this.background = background;
        this.messenger = messenger;
        this.inbox = inbox;
        this.registry = registry;
        this.clock = clock;
        this.window = window;
        this.lastHeardNanos = System.nanoTime();
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

    /** Presence first, then the drain: whatever is stored from then on is pushed to this stream. */
    void start() {
        serial.execute(() -> guarded(() -> {
            registry.announce(this);
            cursor = inbox.cursor(device);
            startScan();
        }));
    }

    /** A push from the node bus. */
    void push(InboxItem item) {
        serial.execute(() -> guarded(() -> {
            long id = item.serverId();
            if (closed || alreadyHandled(id)) {
                return;
            }
            if (scanning) {
                if (id <= scanPosition) {
                    // Arrived out of order behind the scan: deliver now or find it on a rescan.
                    if (room() > 0) {
                        deliver(item);
                    } else {
                        rescanAfterScan = true;
                    }
                }
                return; // ahead of the scan: the scan will reach it in order
            }
            if (room() > 0) {
                deliver(item);
            } else {
                startScanWhenRoom();
            }
        }));
    }

    @Override
    public void onNext(ConnectRequest request) {
        lastHeardNanos = System.nanoTime();
        serial.execute(() -> guarded(() -> {
            if (closed) {
                return;
            }
            switch (request.getFrameCase()) {
                case SEND -> onSend(request);
                case ACK -> onAck(request.getAck());
                case READ -> afterAcks(() -> onRead(request.getRead()));
                case PING -> afterAcks(() -> send(ConnectResponse.newBuilder()
                        .setPong(Pong.newBuilder().setNonce(request.getPing().getNonce())).build()));
                default -> sendError(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME,
                        "empty frame: set send, ack, read or ping"));
            }
        }));
    }

    private void onSend(ConnectRequest request) {
        SendOutcome outcome = messenger.send(device, request.getSend());
        if (outcome instanceof SendOutcome.Accepted accepted) {
            send(ConnectResponse.newBuilder().setSendAck(SendAck.newBuilder()
                    .setClientMessageId(accepted.clientMessageId()).setServerId(accepted.serverId())
                    .setServerTimestampMs(accepted.serverTime().toEpochMilli())).build());
        } else {
            sendError(((SendOutcome.Refused) outcome).error());
        }
    }

    /**
     * Frees the window at once and does the receipt bookkeeping beside the stream, so deliveries never queue behind
     * it. Ids in flight pin the cursor until their work is done; a failure closes the stream, and the un-deleted
     * entries come again on the next connect.
     */
    private void onAck(Ack ack) {
        if (ack.getServerIdsCount() == 0) {
            sendError(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, "ack carries no server_ids"));
            return;
        }
        // id -> whether it was this device's to ack
        Map<Long, CompletableFuture<Boolean>> batch = new TreeMap<>();
        for (long id : new TreeSet<>(ack.getServerIdsList())) {
            if (recentlyAcked.contains(id) || acksInFlight.contains(id)) {
                continue; // a duplicate ack changes nothing
            }
            InboxItem delivered = unacked.remove(id);
            acksInFlight.add(id);
            batch.put(id, CompletableFuture.supplyAsync(() -> {
                if (delivered == null) {
                    return messenger.ack(device, id); // delivered on an earlier stream: look it up
                }
                messenger.ack(device, delivered);
                return true;
            }, background));
        }
        CompletableFuture.allOf(batch.values().toArray(CompletableFuture[]::new)).whenComplete((done, failure) ->
                serial.execute(() -> guarded(() -> {
                    if (failure != null) {
                        throw new IllegalStateException("ack failed", failure);
                    }
                    if (!closed) {
                        finishAcks(batch);
                    }
                })));
        if (scanning && room() > 0) {
            continueScan();
        }
    }

    /**
     * Runs {@code work} once every ack before it is fully handled: a READ never overtakes the DELIVERED it
     * implies, and a pong tells the client that everything it sent before the ping is done.
     */
    private void afterAcks(Runnable work) {
        if (acksInFlight.isEmpty() && afterAcks.isEmpty()) {
            work.run();
        } else {
            afterAcks.add(new WaitingForAcks(Set.copyOf(acksInFlight), work));
        }
    }

    private void finishAcks(Map<Long, CompletableFuture<Boolean>> batch) {
        List<Long> refused = new ArrayList<>();
        batch.forEach((id, ours) -> {
            acksInFlight.remove(id);
            if (ours.join()) {
                recentlyAcked.add(id);
            } else {
                refused.add(id);
            }
        });
        if (!refused.isEmpty()) {
            sendError(FrameErrors.forIds(FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU,
                    "these ids are not in this device's inbox", refused));
        }
        advanceCursor();
        // Only acks that came before a waiting frame hold it; later acks don't starve it.
        while (!afterAcks.isEmpty() && afterAcks.peek().acks().stream().noneMatch(acksInFlight::contains)) {
            afterAcks.poll().work().run();
        }
    }

    private void onRead(Read read) {
        if (read.getServerIdsCount() == 0) {
            sendError(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, "read carries no server_ids"));
            return;
        }
        List<Long> refused;
        try {
            refused = messenger.read(device, read.getSenderAccountId(), read.getServerIdsList());
        } catch (StatusRuntimeException e) {
            sendError(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, e.getStatus().getDescription()));
            return;
        }
        if (!refused.isEmpty()) {
            sendError(FrameErrors.forIds(FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU,
                    "these messages were not delivered to this account by that sender", refused));
        }
    }

    private void startScan() {
        startScanWhenRoom();
        continueScan();
    }

    /** Marks a scan from the cursor as due; acks that free the window run it. */
    private void startScanWhenRoom() {
        if (!scanning) {
            scanning = true;
            scanPosition = cursor;
        }
    }

    /** Delivers inbox entries in server-id order until the window is full or the inbox is exhausted. */
    private void continueScan() {
        while (room() > 0) {
            List<InboxItem> page = inbox.readAfter(device, scanPosition, PAGE);
            for (InboxItem item : page) {
                if (room() == 0) {
                    return; // paused: acks resume it
                }
                scanPosition = item.serverId();
                if (!alreadyHandled(item.serverId())) {
                    deliver(item);
                }
            }
            if (page.size() < PAGE) {
                scanning = false;
                if (!queueEmptySent) {
                    queueEmptySent = true;
                    send(ConnectResponse.newBuilder().setQueueEmpty(QueueEmpty.getDefaultInstance()).build());
                }
                if (rescanAfterScan) {
                    rescanAfterScan = false;
                    startScan();
                }
                return;
            }
        }
    }

    /** Delivered and waiting for its ack, or acked (its entry may not be deleted yet). */
    private boolean alreadyHandled(long id) {
        return unacked.containsKey(id) || acksInFlight.contains(id) || recentlyAcked.contains(id);
    }

    private void deliver(InboxItem item) {
        unacked.put(item.serverId(), item);
        highestDelivered = Math.max(highestDelivered, item.serverId());
        send(DownFrames.of(item));
    }

    /** Persists how far the inbox is acked, so the next drain starts there (see InboxStore). */
    private void advanceCursor() {
        // Everything up to here was delivered; nothing below an un-acked or in-flight id may be passed.
        long candidate = scanning ? scanPosition : highestDelivered;
        if (!unacked.isEmpty()) {
            candidate = Math.min(candidate, unacked.firstKey() - 1);
        }
        if (!acksInFlight.isEmpty()) {
            candidate = Math.min(candidate, acksInFlight.first() - 1);
        }
        long settled = ServerIds.lowestAt(clock.instant().minus(CURSOR_LAG));
        long next = Math.min(candidate, settled);
        if (next > cursor) {
            inbox.advanceCursor(device, next);
            cursor = next;
        }
    }

    private int room() {
        return window - unacked.size();
    }

    private void send(ConnectResponse frame) {
        if (!closed) {
            out.onNext(frame);
        }
    }

    private void sendError(FrameError error) {
        send(ConnectResponse.newBuilder().setError(error).build());
    }

    /** Closes the stream from the server side with a status the client can act on. */
    void close(Status status) {
        serial.execute(() -> fail(status));
    }

    private void fail(Status status) {
        if (!closed) {
            ended();
            try {
                out.onError(status.asRuntimeException());
            } catch (RuntimeException alreadyGone) {
                // the transport is already closed
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        serial.execute(this::ended);
    }

    @Override
    public void onCompleted() {
        serial.execute(() -> {
            boolean wasOpen = !closed;
            ended();
            if (wasOpen) {
                out.onCompleted();
            }
        });
    }

    private void ended() {
        if (!closed) {
            closed = true;
            registry.ended(this);
        }
    }

    /** Infrastructure failures end the stream: the client reconnects and retries; nothing un-acked is lost. */
    private void guarded(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.warnf("Closing the stream of %s after a failure: %s", device, e.toString());
            fail(Status.UNAVAILABLE.withDescription("server error; reconnect"));
        }
    }
}
