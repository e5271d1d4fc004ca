package io.courier.messaging;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.google.protobuf.ByteString;

import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MessageStatus;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.ReceiptState;
import io.courier.api.v1.RecipientStatus;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.RateLimiter;
import io.courier.cluster.ServerIds;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.courier.keys.KeyDirectory;

/**
 * The 1:1 flow: validate, store in every destination inbox, acknowledge, route; acks and reads move the receipt
 * state and tell every device of the sender, durably through their inboxes.
 */
public final class Messenger {
    private final InboxStore inbox;
    private final ReceiptLedger receipts;
    private final SentMessages sent;
    private final DeliveryRouter router;
    private final KeyDirectory keys;
    private final ServerIds serverIds;
    private final RateLimiter limiter;
    private final MessagingConfig config;
    private final Clock clock;

    Messenger(InboxStore inbox, ReceiptLedger receipts, SentMessages sent, DeliveryRouter router, KeyDirectory keys,
            ServerIds serverIds, RateLimiter limiter, MessagingConfig config, Clock clock) {
        this.inbox = inbox;
        this.receipts = receipts;
        this.sent = sent;
        this.router = router;
        this.keys = keys;
        this.serverIds = serverIds;
        this.limiter = limiter;
        this.config = config;
        this.clock = clock;
    }

    public SendOutcome send(DeviceAddress sender, OutgoingMessage message) {
        long clientId = message.getClientMessageId();
        String problem = OutgoingRules.problem(sender, message);
        if (problem != null) {
            return refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, problem);
        }
        String oversized = OutgoingRules.oversized(message, config.maxEnvelopeBytes());
        if (oversized != null) {
            return refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_ENVELOPE_TOO_LARGE, oversized);
        }
        if (limiter.tryAcquire(config.sends(), sender.key()) > 0) {
            return refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "sending too fast; slow down");
        }
        UUID recipient = Ids.uuid(message.getRecipientAccountId(), "recipient_account_id");
        // Three independent reads, in parallel: they are most of a send's latency.
        var previousLookup = sent.find(sender, clientId).toCompletableFuture();
        var recipientLookup = keys.registrations(recipient).toCompletableFuture();
        var ownLookup = keys.registrations(sender.accountId()).toCompletableFuture();
        var previous = previousLookup.join();
        if (previous.isPresent()) {
            return new SendOutcome.Accepted(clientId, previous.get().serverId(), previous.get().serverTime());
        }
        Map<Integer, Integer> recipientDevices = recipientLookup.join();
        if (recipientDevices.isEmpty()) {
            return refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION,
                    "the recipient does not exist or has no device that can receive messages");
        }
        Map<Integer, Integer> ownDevices = new TreeMap<>(ownLookup.join());
        ownDevices.remove(sender.deviceId());
        List<MismatchedDevices> mismatches = new ArrayList<>();
        OutgoingRules.mismatch(recipient, recipientDevices, message.getEnvelopesList()).ifPresent(mismatches::add);
        OutgoingRules.mismatch(sender.accountId(), ownDevices, message.getSelfEnvelopesList())
                .ifPresent(mismatches::add);
        if (!mismatches.isEmpty()) {
            return new SendOutcome.Refused(FrameErrors.forSend(clientId, FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES,
                    "the message is not encrypted for exactly the current devices; refetch bundles and re-encrypt")
                    .toBuilder().addAllMismatchedDevices(mismatches).build());
        }
        return store(sender, recipient, message);
    }

    private SendOutcome store(DeviceAddress sender, UUID recipient, OutgoingMessage message) {
        long serverId = serverIds.next();
        Instant now = clock.instant();
        List<Addressed> copies = new ArrayList<>();
        for (DeviceEnvelope e : message.getEnvelopesList()) {
            copies.add(new Addressed(new DeviceAddress(recipient, e.getDeviceId()),
                    item(sender, message, serverId, now, e, null)));
        }
        for (DeviceEnvelope e : message.getSelfEnvelopesList()) {
            copies.add(new Addressed(new DeviceAddress(sender.accountId(), e.getDeviceId()),
                    item(sender, message, serverId, now, e, recipient)));
        }
        append(copies, receipts.recordSent(sender.accountId(), serverId, recipient, now));
        // Only now is the send complete: a retry that finds this record is answered without writing again.
        sent.record(sender, message.getClientMessageId(), new SentMessages.Sent(serverId, now));
        copies.forEach(router::route);
        return new SendOutcome.Accepted(message.getClientMessageId(), serverId, now);
    }

    /** An inbox entry and the device whose inbox it goes to. */
    record Addressed(DeviceAddress to, InboxItem item) {
    }

    /** Writes all entries (and any other writes of the same step) in parallel and waits for every one. */
    private void append(List<Addressed> entries, CompletionStage<?>... alongside) {
        List<CompletableFuture<?>> writes = new ArrayList<>();
        entries.forEach(e -> writes.add(inbox.append(e.to(), e.item()).toCompletableFuture()));
        for (CompletionStage<?> other : alongside) {
            writes.add(other.toCompletableFuture());
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    }

    private static InboxItem.Message item(DeviceAddress sender, OutgoingMessage message, long serverId, Instant now,
            DeviceEnvelope envelope, UUID syncRecipient) {
        return new InboxItem.Message(serverId, sender.accountId(), sender.deviceId(), message.getClientMessageId(), now,
                envelope.getTypeValue(), envelope.getCiphertext().toByteArray(), null, syncRecipient);
    }

    /** Acks an id the device got on an earlier stream; false if it is not in the device's inbox. */
    public boolean ack(DeviceAddress device, long serverId) {
        var item = inbox.find(device, serverId);
        item.ifPresent(found -> ack(device, found));
        return item.isPresent();
    }

    /** Acks an item delivered to the device: DELIVERED for messages (first device wins), then the entry goes. */
    public void ack(DeviceAddress device, InboxItem item) {
        if (item instanceof InboxItem.Message m && m.countsAsDelivery()) {
            advance(m.sender(), m.serverId(), device.accountId(), ReceiptState.RECEIPT_STATE_DELIVERED);
        }
        inbox.delete(device, item.serverId());
    }

    /** Marks messages from {@code sender} read; returns the ids that were never delivered to the reader. */
    public List<Long> read(DeviceAddress reader, ByteString senderId, List<Long> serverIds) {
        UUID sender = Ids.uuid(senderId, "sender_account_id");
        List<Long> refused = new ArrayList<>();
        for (long serverId : new TreeSet<>(serverIds)) {
            if (advance(sender, serverId, reader.accountId(), ReceiptState.RECEIPT_STATE_READ)
                    == ReceiptLedger.Advance.UNKNOWN) {
                refused.add(serverId);
            }
        }
        return refused;
    }

    private ReceiptLedger.Advance advance(UUID sender, long serverId, UUID recipient, ReceiptState state) {
        Instant now = clock.instant();
        ReceiptLedger.Advance result = receipts.advance(sender, serverId, recipient, state, now);
        if (result == ReceiptLedger.Advance.ADVANCED) {
            tellSender(sender, serverId, recipient, state, now);
        }
        return result;
    }

    /** A receipt event in the inbox of every device of the sender, pushed to the online ones. */
    private void tellSender(UUID sender, long messageServerId, UUID recipient, ReceiptState state, Instant now) {
        List<Addressed> events = keys.registrations(sender).toCompletableFuture().join().keySet().stream()
                .map(device -> new Addressed(new DeviceAddress(sender, device),
                        new InboxItem.Receipt(serverIds.next(), messageServerId, recipient, state, now)))
                .toList();
        append(events);
        events.forEach(router::route);
    }

    /** Current tick state of messages the caller's account sent; unknown or expired ids are left out. */
    public List<MessageStatus> status(UUID account, List<Long> serverIds) {
        if (serverIds.size() > config.maxStatusIds()) {
            throw Rejections.invalidArgument("at most " + config.maxStatusIds() + " server_ids per call");
        }
        List<MessageStatus> statuses = new ArrayList<>();
        for (long serverId : new TreeSet<>(serverIds)) {
            var recipients = receipts.statuses(account, serverId);
            if (recipients.isEmpty()) {
                continue;
            }
            MessageStatus.Builder status = MessageStatus.newBuilder().setServerId(serverId);
            recipients.forEach(r -> status.addRecipients(RecipientStatus.newBuilder()
                    .setAccountId(Ids.bytes(r.recipient())).setState(r.state())
                    .setUpdatedAtMs(r.updatedAt().toEpochMilli())));
            statuses.add(status.build());
        }
        return statuses;
    }

    private static SendOutcome refuse(long clientId, FrameErrorCode code, String message) {
        return new SendOutcome.Refused(FrameErrors.forSend(clientId, code, message));
    }
}
