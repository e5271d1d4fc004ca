package io.courier.edge;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import io.courier.account.CurrentDevices;
import io.courier.api.v1.ConnectResponse;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.BoundedLog;
import io.courier.messaging.DeviceMailbox;
import io.courier.messaging.DownFrames;
import io.courier.messaging.MailboxLimits;
import io.courier.messaging.MailboxStorage;
import io.courier.messaging.MailboxTracing;
import io.courier.messaging.MessagingConfig;
import io.courier.messaging.MessagingMetrics;
import io.courier.messaging.Messenger;
import io.courier.presence.PresenceStreams;
import io.grpc.stub.ServerCallStreamObserver;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Builds a device stream from its parts: the node-wide services and a new set of per-stream state and budgets. */
final class DeviceStreams {
    private final Messenger messenger;
    private final MailboxStorage inbox;
    private final EdgeConfig config;
    private final MailboxLimits limits;
    private final StreamMetrics metrics;
    private final MessagingMetrics delivery;
    private final Clock clock;
    private final CurrentDevices currentDevices;
    private final PresenceStreams presenceStreams;
    /** This node's member: where its streams are, for the device queues. */
    private final String memberId;
    private final MailboxTracing tracing;
    /** Runs the streams' (non-blocking) work; each stream stays in order on a serial view of it. */
    private final Executor workers;
    private final Scheduler timers = Schedulers.parallel();
    private final DeviceBudgets keptBudgets;
    /** What devices do wrong, in the log: a line per device a minute at most, ten a second in all. */
    private final BoundedLog faults = new BoundedLog(Logger.getLogger(DeviceStream.class), Duration.ofMinutes(1), 10,
            Duration.ofMillis(100));

    DeviceStreams(Messenger messenger, MailboxStorage inbox, EdgeConfig config, MessagingConfig messaging,
            StreamMetrics metrics, MessagingMetrics delivery, Clock clock, CurrentDevices currentDevices,
            PresenceStreams presenceStreams, String memberId, MailboxTracing tracing, Executor workers) {
        this.messenger = messenger;
        this.inbox = inbox;
        this.config = config;
        this.metrics = metrics;
        this.delivery = delivery;
        this.clock = clock;
        this.currentDevices = currentDevices;
        this.memberId = memberId;
        StreamBudgets.Limits budgetLimits = StreamBudgets.Limits.of(config, messaging);
        this.keptBudgets = new DeviceBudgets(() -> new StreamBudgets(budgetLimits), config.keptBudgets());
        this.presenceStreams = presenceStreams;
        this.tracing = tracing;
        this.workers = workers;
        this.limits = new MailboxLimits(config.window(), config.windowBytes(), config.page(),
                config.ackBatchesInFlight(), config.rescanInterval());
    }

    /**
     * A new stream of {@code caller}; call it before the service method returns (it sets up flow control).
     * {@code opened} runs at its first QueueEmpty and at its end (it must be safe to run twice).
     */
    DeviceStream open(AuthenticatedDevice caller, long epoch, DownFrames frames,
            ServerCallStreamObserver<ConnectResponse> call, DeviceStream.StreamLifecycle lifecycle,
            Runnable opened) {
        DeviceAddress device = new DeviceAddress(caller.accountId(), caller.deviceId());
        SerialExecutor executor = new SerialExecutor(workers);
        Scheduler serial = Schedulers.fromExecutor(executor);
        StreamBudgets budgets = keptBudgets.take(device);
        StreamEnd end = new StreamEnd(call, serial);
        Outbound outbound = new Outbound(call, config.maxQueuedReplies(), metrics);
        Refusals refusals = new Refusals(device, budgets, outbound, metrics, faults, end);
        PresenceFeed presence = new PresenceFeed(presenceStreams.subscriptions(device, epoch), outbound, serial,
                BusIntake.NOTICES_QUEUED);
        DeviceMailbox mailbox = new DeviceMailbox(device, new Presence(memberId, epoch), inbox,
                tracing.settler(messenger), tracing.outlet(new StreamOutlet(outbound, frames, refusals, end, metrics,
                        delivery, clock, opened)), limits, timers, executor, clock, delivery::recordQueueDepth);
        UpFrames upFrames = new UpFrames(metrics, refusals,
                new SendPath(device, messenger, budgets, frames, outbound, refusals, serial),
                new AckPath(device, messenger, mailbox, budgets, config.window(), outbound, refusals, serial),
                new PresenceAndTyping(device, messenger, budgets, presence, outbound, refusals, serial));
        FrameIntake intake = new FrameIntake(call, serial, currentDevices.isCurrent(caller), upFrames, outbound,
                mailbox, refusals, end);
        // Teardown in this order, the stream's registry last (DeviceStream adds it).
        end.onEnd(outbound::close);
        end.onEnd(mailbox::close);
        end.onEnd(intake::close);
        end.onEnd(() -> keptBudgets.release(device));
        end.onEnd(opened);
        end.onEnd(() -> presence.close().subscribe(null, error -> faults.log(Logger.Level.DEBUG, device,
                () -> "Presence subscriptions of " + device + " not all removed: " + error)));
        return new DeviceStream(device, epoch, serial, lifecycle, metrics, end, mailbox, intake,
                new BusIntake(device, outbound, presence, end, metrics, faults, serial));
    }
}
