package io.courier.edge;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.courier.api.v1.ConnectResponse;
import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.ServerIds;
import io.courier.messaging.InboxItem;
import io.courier.messaging.InboxStore;
import io.courier.messaging.Messenger;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The device streams open on this node: one per device. Registers presence, supersedes older streams of the same
 * device (here or on another node), hands bus pushes to the right stream and closes silent streams.
 */
public final class SessionRegistry {
    private final Map<DeviceAddress, DeviceSession> sessions = new ConcurrentHashMap<>();
    private final PresenceDirectory presence;
    private final NodeBus bus;
    private final ServerIds serverIds;
    private final Messenger messenger;
    private final InboxStore inbox;
    private final Clock clock;
    private final EdgeConfig config;
    private final StreamWorkers workers;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "courier-silent-streams");
        thread.setDaemon(true);
        return thread;
    });

    SessionRegistry(PresenceDirectory presence, NodeBus bus, ServerIds serverIds, Messenger messenger, InboxStore inbox,
            Clock clock, EdgeConfig config, StreamWorkers workers) {
        this.presence = presence;
        this.bus = bus;
        this.serverIds = serverIds;
        this.messenger = messenger;
        this.inbox = inbox;
        this.clock = clock;
        this.config = config;
        this.workers = workers;
        bus.subscribeLocal(this::onBusMessage);
        long interval = config.pingInterval().toMillis();
        timer.scheduleWithFixedDelay(this::closeSilentStreams, interval, interval, TimeUnit.MILLISECONDS);
    }

    DeviceSession open(DeviceAddress device, ServerCallStreamObserver<ConnectResponse> out) {
        DeviceSession session = new DeviceSession(device, serverIds.next(), out, new SerialExecutor(workers), workers,
                messenger, inbox, this, clock, config.window());
        DeviceSession older = sessions.put(device, session);
        if (older != null) {
            older.close(superseded());
        }
        return session;
    }

    /** Runs on the session's executor before its first drain: presence first, so nothing stored later is missed. */
    void announce(DeviceSession session) {
        presence.register(session.device(), session.epoch()).ifPresent(previous -> {
            if (!previous.memberId().equals(presence.localMemberId())) {
                bus.publish(previous.memberId(), new BusMessage.Supersede(session.device(), previous.epoch()));
            }
        });
    }

    void ended(DeviceSession session) {
        sessions.remove(session.device(), session);
        presence.unregister(session.device(), session.epoch());
    }

    void close() {
        timer.shutdownNow();
    }

    private void onBusMessage(BusMessage message) {
        DeviceSession session = sessions.get(message.target());
        if (session == null) {
            return;
        }
        if (message instanceof BusMessage.Push push) {
            session.push((InboxItem) push.item());
        } else if (message instanceof BusMessage.Supersede supersede) {
            if (session.epoch() == supersede.epoch()) {
                session.close(superseded());
            }
        } else if (message instanceof BusMessage.Revoked revoked && session.epoch() == revoked.epoch()) {
            session.close(Status.UNAUTHENTICATED.withDescription("this device was revoked"));
        }
    }

    private void closeSilentStreams() {
        long limit = config.pingInterval().toNanos() * config.silentIntervals();
        long now = System.nanoTime();
        for (DeviceSession session : sessions.values()) {
            if (now - session.lastHeardNanos() > limit) {
                session.close(Status.UNAVAILABLE.withDescription("no frames for " + limit / 1_000_000_000
                        + " s; ping at least every " + config.pingInterval().toSeconds() + " s"));
            }
        }
    }

    private static Status superseded() {
        return Status.ALREADY_EXISTS.withDescription("superseded by a newer stream of this device");
    }
}
