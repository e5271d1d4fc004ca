package io.courier.edge;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.Ping;
import io.courier.api.v1.Pong;
import io.courier.api.v1.Read;
import io.courier.cluster.DeviceAddress;
import io.courier.messaging.DeviceMailbox;
import io.courier.messaging.FrameErrors;
import io.courier.messaging.Messenger;
import io.grpc.StatusRuntimeException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A stream's Ack, Read and Ping frames: the ones that settle against the device's mailbox. Acks free the window;
 * a Read and a Pong wait until the acks before them have settled. Confined to the stream's serial executor.
 */
final class AckPath {
    private final DeviceAddress device;
    private final Messenger messenger;
    private final DeviceMailbox mailbox;
    private final StreamBudgets budgets;
    /** Ids per Ack or Read at most: the window. */
    private final int maxIds;
    private final Outbound outbound;
    private final Refusals refusals;
    private final Scheduler serial;

    AckPath(DeviceAddress device, Messenger messenger, DeviceMailbox mailbox, StreamBudgets budgets, int maxIds,
            Outbound outbound, Refusals refusals, Scheduler serial) {
        this.device = device;
        this.messenger = messenger;
        this.mailbox = mailbox;
        this.budgets = budgets;
        this.maxIds = maxIds;
        this.outbound = outbound;
        this.refusals = refusals;
        this.serial = serial;
    }

    /** The window frees at once; the stream waits only if too many ack batches are still settling. */
    Mono<Void> ack(Ack ack) {
        String problem = idsProblem("ack", ack.getServerIdsCount());
        if (problem != null) {
            return refusals.refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, problem));
        }
        return refusals.within(budgets.acks(), "acks") ? mailbox.ack(ack.getServerIdsList()) : Mono.empty();
    }

    /** Waits for the acks before it: a READ never overtakes the DELIVERED it implies. */
    Mono<Void> read(Read read) {
        String problem = idsProblem("read", read.getServerIdsCount());
        if (problem != null) {
            return refusals.refuse(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, problem));
        }
        if (!refusals.within(budgets.reads(), "reads")) {
            return Mono.empty();
        }
        return mailbox.quiet()
                .then(Mono.defer(() -> messenger.read(device, read.getSenderAccountId(), read.getServerIdsList())))
                .publishOn(serial)
                .doOnNext(refused -> {
                    if (!refused.isEmpty()) {
                        refusals.refuse(FrameErrors.forIds(FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU,
                                "these messages were not delivered to this account by that sender", refused));
                    }
                })
                .then()
                .onErrorResume(StatusRuntimeException.class, e -> refusals.refuse(FrameErrors.of(
                        FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, e.getStatus().getDescription())));
    }

    /** The Pong follows the acks before it, so a client that pings knows they have settled. */
    Mono<Void> ping(Ping ping) {
        return refusals.within(budgets.pings(), "pings")
                ? mailbox.quiet().publishOn(serial).then(Mono.fromRunnable(() -> outbound.reply(
                        ConnectResponse.newBuilder().setPong(Pong.newBuilder().setNonce(ping.getNonce())).build())))
                : Mono.empty();
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
}
