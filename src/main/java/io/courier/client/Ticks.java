package io.courier.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.Receipt;
import io.courier.api.v1.ReceiptState;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The ticks of what this account sent: SENT once the server acknowledged a send, DELIVERED and READ from receipt
 * events, per recipient (per member for a group message, with the counts over its members as a
 * {@link GroupMessageStatus}). Each receipt event ticks once; a redelivered one is only acked again.
 */
final class Ticks {
    private static final Logger LOG = Logger.getLogger(Ticks.class.getName());
    /** Receipts remembered as ticked, so a redelivered one (its ack was still waiting) ticks once. */
    private static final int TICKED_RECEIPTS = 4096;
    /** 1:1 messages whose recipient is remembered for their receipts (older ones are asked of the server). */
    private static final int SENT_RECIPIENTS = 2048;

    private final Sinks.Many<Tick> ticks = Sinks.many().multicast().onBackpressureBuffer(4096, false);
    private final Sinks.Many<GroupMessageStatus> groupStatuses =
            Sinks.many().multicast().onBackpressureBuffer(4096, false);
    private final GroupState groupState;
    private final Acks acks;
    private final Calls calls;
    private final SentRecipients sentRecipients = new SentRecipients(SENT_RECIPIENTS);
    /** Receipt events already turned into ticks. Guarded by itself. */
    private final RecentIds tickedReceipts = new RecentIds(TICKED_RECEIPTS, null);

    Ticks(GroupState groupState, Acks acks, Calls calls) {
        this.groupState = groupState;
        this.acks = acks;
        this.calls = calls;
    }

    Flux<Tick> ticks() {
        return ticks.asFlux();
    }

    Flux<GroupMessageStatus> groupStatuses() {
        return groupStatuses.asFlux();
    }

    /** The single tick; a distribution is remembered so its receipts stay the SDK's. */
    void onSent(PendingSend send, long serverId) {
        if (send.target() instanceof PendingSend.Direct direct) {
            if (direct.internal()) {
                groupState.markDistributionMessage(serverId); // its receipts stay the SDK's too
            } else {
                sentRecipients.remember(serverId, direct.recipient());
                ticks.tryEmitNext(new Tick(serverId, direct.recipient(), Tick.State.SENT));
            }
        } else if (send.target() instanceof PendingSend.Resend) {
            groupState.markDistributionMessage(serverId); // a copy of an earlier message: its receipts are the SDK's
        } else if (send.target() instanceof PendingSend.ToGroup group) {
            groupStatuses.tryEmitNext(groupState.track(serverId, group.groupId(), group.recipients()));
        }
    }

    /** Another device of this account sent a 1:1 message: its receipts come here too. */
    void sentByOtherDevice(long serverId, UUID recipient) {
        sentRecipients.remember(serverId, recipient);
    }

    /** Ticks once per receipt event (a redelivered one is only acked again). */
    void onReceipt(Receipt receipt) {
        long message = receipt.getMessageServerId();
        boolean ticked;
        synchronized (tickedReceipts) {
            ticked = tickedReceipts.contains(receipt.getServerId());
        }
        if (ticked || groupState.isDistributionMessage(message)) {
            acks.ackReceipt(receipt.getServerId());
        } else if (receipt.getRecipientAccountId().isEmpty() && receipt.getGroupId().isEmpty()) {
            // A compact stream's 1:1 receipt: the recipient is the one the message went to.
            sentRecipients.recipient(message).ifPresentOrElse(to -> tick(receipt, List.of(to)),
                    () -> tickWithRecipientFromServer(receipt));
        } else {
            List<UUID> recipients = new ArrayList<>();
            recipients.add(WireIds.uuid(receipt.getRecipientAccountId()));
            receipt.getMoreRecipientAccountIdsList().forEach(id -> recipients.add(WireIds.uuid(id)));
            tick(receipt, recipients);
        }
    }

    private void tick(Receipt receipt, List<UUID> recipients) {
        long message = receipt.getMessageServerId();
        Tick.State state = receipt.getState() == ReceiptState.RECEIPT_STATE_READ ? Tick.State.READ
                : Tick.State.DELIVERED;
        Optional<UUID> group = WireIds.uuidIfAny(receipt.getGroupId());
        for (UUID recipient : recipients) {
            ticks.tryEmitNext(new Tick(message, recipient, state, group));
            group.flatMap(g -> groupState.record(message, recipient, state)).ifPresent(groupStatuses::tryEmitNext);
        }
        synchronized (tickedReceipts) {
            tickedReceipts.add(receipt.getServerId());
        }
        acks.ackReceipt(receipt.getServerId());
    }

    /**
     * A message this device doesn't remember (older than the last {@value #SENT_RECIPIENTS} sends): its status names
     * the recipient. Not acked if the question fails: the receipt comes again on the next stream.
     */
    private void tickWithRecipientFromServer(Receipt receipt) {
        calls.call(() -> calls.messaging().getMessageStatus(GetMessageStatusRequest.newBuilder()
                        .addServerIds(receipt.getMessageServerId()).build()))
                .subscribe(status -> tick(receipt, status.getStatusesList().stream()
                        .flatMap(s -> s.getRecipientsList().stream())
                        .map(r -> WireIds.uuid(r.getAccountId())).toList()),
                        e -> LOG.log(Level.FINE, "the recipient of a receipt could not be asked for", e));
    }
}
