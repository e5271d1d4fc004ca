package io.courier.edge;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.ConnectResponse;
import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.common.AuthenticatedDevice;
import io.courier.messaging.DownFrames;
import io.courier.messaging.Queued;
import io.courier.presence.PresenceStreams;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The device streams open on this node: one per device. Admits streams (the newest epoch wins, here and cluster-wide
 * through presence, which is registered before the drain; {@link AuthInterceptor} rate-limited the open before),
 * hands node-bus pushes to the right stream, and closes streams gone silent.
 */
public final class SessionRegistry implements DeviceStream.StreamLifecycle {
    private static final Logger LOG = Logger.getLogger(SessionRegistry.class);
    /**
     * Trailer of the status a draining node ends streams with: {@code now} means reconnect at once, to any node,
     * without backoff (messaging.proto documents it for clients).
     */
    static final Metadata.Key<String> RECONNECT = Metadata.Key.of("courier-reconnect",
            Metadata.ASCII_STRING_MARSHALLER);

    private final Map<DeviceAddress, DeviceStream> sessions = new ConcurrentHashMap<>();
    private final PresenceDirectory presence;
    private final NodeBus bus;
    private final EdgeConfig config;
    private final StreamMetrics metrics;
    private final PresenceStreams presenceStreams;
    private final DeviceStreams streams;
    private final Scheduler timers = Schedulers.parallel();
    private final Disposable silentStreamCheck;
    /** Set once, when the node starts draining: from then on no stream is admitted. */
    private volatile boolean draining;

    SessionRegistry(PresenceDirectory presence, NodeBus bus, EdgeConfig config, StreamMetrics metrics,
            PresenceStreams presenceStreams, DeviceStreams streams) {
        this.presence = presence;
        this.bus = bus;
        this.config = config;
        this.metrics = metrics;
        this.presenceStreams = presenceStreams;
        this.streams = streams;
        bus.subscribeLocal(this::onBusMessage);
        long interval = config.pingInterval().toMillis();
        silentStreamCheck = timers.schedulePeriodically(this::closeSilentStreams, interval, interval,
                TimeUnit.MILLISECONDS);
    }

    /**
     * A new stream; {@code epoch} was taken when the call arrived, so streams order by when they were opened.
     * {@code opened} runs once, at its first QueueEmpty or its end.
     */
    DeviceStream open(AuthenticatedDevice caller, long epoch, DownFrames frames,
            ServerCallStreamObserver<ConnectResponse> call, Runnable opened) {
        return streams.open(caller, epoch, frames, call, this, opened);
    }

    /**
     * The stream-open rate was checked before the credential ({@link AuthInterceptor}). The newest epoch wins on
     * this node, then cluster-wide; presence is registered before the stream drains, so whatever is stored from then
     * on is pushed to it. Completes false if a newer stream holds the device.
     */
    @Override
    public Mono<Boolean> admit(DeviceStream stream) {
        DeviceAddress device = stream.device();
        if (draining) {
            return refusedWhileDraining(stream);
        }
        DeviceStream[] replaced = new DeviceStream[1];
        DeviceStream holder = sessions.compute(device, (key, older) -> {
            if (older == null || older.epoch() < stream.epoch()) {
                replaced[0] = older;
                return stream;
            }
            return older;
        });
        if (holder != stream) {
            return lost(stream);
        }
        if (draining) {
            // The drain began while this stream took the device over; it may have missed both.
            sessions.remove(device, stream);
            if (replaced[0] != null) {
                replaced[0].drain(reconnectNow());
            }
            return refusedWhileDraining(stream);
        }
        if (replaced[0] != null) {
            replaced[0].close(superseded());
        }
        return presence.register(device, stream.epoch()).flatMap(registration -> {
            if (!registration.won()) {
                sessions.remove(device, stream);
                return lost(stream);
            }
            var previous = registration.other();
            if (previous != null && !previous.memberId().equals(presence.localMemberId())) {
                bus.publish(previous.memberId(), new BusMessage.Supersede(device, previous.epoch())).subscribe();
            }
            if (stream.countOpen()) {
                metrics.streamOpened();
            }
            // Part of admission, so the stream's end (which waits for it) can never overtake its "online".
            return presenceStreams.connected(device, stream.epoch())
                    .onErrorResume(e -> {
                        LOG.debugf("Online state of %s not recorded: %s", device, e.toString());
                        return Mono.empty();
                    })
                    .thenReturn(true);
        });
    }

    /**
     * Graceful shutdown: admits no more streams and drains every open one (see {@link DeviceStream#drain}), each
     * ended with UNAVAILABLE and {@code courier-reconnect: now}. Completes when they have all ended.
     */
    Mono<Void> drain() {
        draining = true;
        return Flux.fromIterable(List.copyOf(sessions.values())).flatMap(stream -> stream.drain(reconnectNow()))
                .then();
    }

    int openStreams() {
        return sessions.size();
    }

    private Mono<Boolean> refusedWhileDraining(DeviceStream stream) {
        metrics.openRefused("draining");
        stream.close(reconnectNow());
        return Mono.just(false);
    }

    private static StatusRuntimeException reconnectNow() {
        Metadata trailers = new Metadata();
        trailers.put(RECONNECT, "now");
        return Status.UNAVAILABLE.withDescription("this node is shutting down; reconnect now, to any node")
                .asRuntimeException(trailers);
    }

    private Mono<Boolean> lost(DeviceStream stream) {
        metrics.openRefused("superseded");
        stream.close(superseded());
        return Mono.just(false);
    }

    @Override
    public void ended(DeviceStream stream) {
        sessions.remove(stream.device(), stream);
        if (stream.countClosed()) {
            metrics.streamClosed();
        }
        // Always, and epoch-guarded: a register still in flight when the stream ended may land after a first remove.
        presence.unregister(stream.device(), stream.epoch())
                .subscribe(null, e -> LOG.debugf("Presence of %s not removed: %s", stream.device(), e.toString()));
        presenceStreams.disconnected(stream.device(), stream.epoch())
                .subscribe(null, e -> LOG.debugf("Offline state of %s not recorded: %s", stream.device(),
                        e.toString()));
    }

    void close() {
        silentStreamCheck.dispose();
    }

    private void onBusMessage(BusMessage message) {
        DeviceStream stream = sessions.get(message.target());
        if (stream == null) {
            return;
        }
        if (message instanceof BusMessage.Push push) {
            stream.push((Queued) push.item());
        } else if (message instanceof BusMessage.Ephemeral ephemeral) {
            frame(ephemeral.frame()).ifPresent(stream::signal);
        } else if (message instanceof BusMessage.Notice notice) {
            if (stream.epoch() == notice.epoch()) {
                frame(notice.frame()).ifPresent(stream::notice);
            }
        } else if (message instanceof BusMessage.Refresh refresh) {
            if (stream.epoch() == refresh.epoch()) {
                stream.refreshPresence();
            }
        } else if (message instanceof BusMessage.Supersede supersede) {
            if (stream.epoch() <= supersede.epoch()) {
                stream.close(superseded());
            }
        } else if (message instanceof BusMessage.Revoked revoked && stream.epoch() == revoked.epoch()) {
            stream.close(Status.UNAUTHENTICATED.withDescription("this device was revoked"));
        }
    }

    /** Frames nodes built for each other; one that doesn't parse is dropped like any undeliverable ephemeral. */
    private static Optional<ConnectResponse> frame(byte[] bytes) {
        try {
            return Optional.of(ConnectResponse.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    private void closeSilentStreams() {
        long limit = config.pingInterval().toNanos() * config.silentIntervals();
        long now = System.nanoTime();
        for (DeviceStream stream : sessions.values()) {
            if (now - stream.lastHeardNanos() > limit) {
                stream.close(Status.UNAVAILABLE.withDescription("no frames for " + limit / 1_000_000_000
                        + " s; ping at least every " + config.pingInterval().toSeconds() + " s"));
            }
        }
    }

    private static Status superseded() {
        return Status.ALREADY_EXISTS.withDescription("superseded by a newer stream of this device");
    }
}
