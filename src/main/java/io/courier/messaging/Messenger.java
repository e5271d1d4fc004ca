package io.courier.messaging;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import com.google.protobuf.ByteString;

import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.ReceiptState;
import io.courier.api.v1.Typing;
import io.courier.cluster.DeviceAddress;
import io.courier.common.Ids;
import io.courier.common.MessageTracing;
import io.courier.common.TokenBucket;
import io.courier.keys.KeyDirectory;
import io.courier.presence.PrivacyDirectory;
import io.courier.messaging.SenderReceipts.Receipts;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The 1:1 flow: validate, claim the client id, store in every destination queue, then start each copy's push and
 * acknowledge (the push is never awaited: the two race); acks and reads move the receipt state and tell every device
 * of the sender, durably through their queues. Asynchronous throughout: every method
 * returns at once and completes on the database driver's threads.
 */
public final class Messenger implements DeviceMailbox.AckSettler {
    private final DeviceQueues queues;
    private final ReceiptLedger receipts;
    private final SentMessages sent;
    private final DeliveryRouter router;
    private final KeyDirectory keys;
    private final PrivacyDirectory privacy;
    private final MessagingConfig config;
    private final MessagingMetrics metrics;
    private final Clock clock;
    private final GroupSends groupSends;
    private final SenderReceipts senderReceipts;
    private final TypingRelay typing;
    private final MessageTracing tracing;

    Messenger(DeviceQueues queues, ReceiptLedger receipts, SentMessages sent, DeliveryRouter router,
            KeyDirectory keys, PrivacyDirectory privacy, MessagingConfig config,
            MessagingMetrics metrics, Clock clock,
            GroupSends groupSends, SenderReceipts senderReceipts, TypingRelay typing, MessageTracing tracing) {
        this.queues = queues;
        this.receipts = receipts;
        this.sent = sent;
        this.router = router;
        this.keys = keys;
        this.privacy = privacy;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.groupSends = groupSends;
        this.senderReceipts = senderReceipts;
        this.typing = typing;
        this.tracing = tracing;
    }

    /**
     * Stores a message in every destination queue, then completes with the SendAck. A retry is answered before the
     * rate limit is consulted, with the server id the first attempt claimed: a completed send stores nothing new,
     * one cut short midway is queued again under the same id, which devices see once.
     *
     * @param sendRate the sending device's budget of new messages
     */
    public Mono<SendOutcome> send(DeviceAddress sender, OutgoingMessage message, TokenBucket sendRate) {
        long started = System.nanoTime();
        Span span = tracing.startSend();
        // Group fan-out is not traced (yet): a group send is its root span alone.
        Mono<SendOutcome> result = message.hasGroupId() ? groupSends.send(sender, message, sendRate)
                : validateAndStore(sender, message, sendRate, MessageTracing.traceparent(span));
        result = result.doOnNext(outcome -> {
            if (outcome instanceof SendOutcome.Accepted) {
                metrics.recordSendAck(System.nanoTime() - started);
            }
        });
        return span.isRecording() ? traced(span, result) : result;
    }

    /** The send span ends with the SendAck or the refusal. */
    private static Mono<SendOutcome> traced(Span span, Mono<SendOutcome> send) {
        return send.doOnNext(outcome -> {
            if (outcome instanceof SendOutcome.Accepted accepted) {
                span.setAttribute("courier.server_id", accepted.serverId());
                span.setAttribute("courier.outcome", "accepted");
            } else {
                span.setAttribute("courier.outcome", ((SendOutcome.Refused) outcome).error().getCode().name());
            }
        }).doOnError(e -> span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName()))
                .doFinally(signal -> span.end());
    }

    /** @param trace what the copies carry: the send's traceparent if it is sampled, otherwise null */
    private Mono<SendOutcome> validateAndStore(DeviceAddress sender, OutgoingMessage message, TokenBucket sendRate,
            String trace) {
        long clientId = message.getClientMessageId();
        String problem = OutgoingRules.problem(sender, message);
        if (problem != null) {
            return Mono.just(refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, problem));
        }
        String oversized = OutgoingRules.oversized(message, config.maxEnvelopeBytes());
        if (oversized != null) {
            return Mono.just(refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_ENVELOPE_TOO_LARGE, oversized));
        }
        UUID recipient = Ids.uuid(message.getRecipientAccountId(), "recipient_account_id");
        return sent.once(sender, clientId, sendRate,
                send -> checkAndStore(sender, recipient, message, send, trace));
    }

    /**
     * Checks the envelopes against the current device lists and whether the recipient blocks the sender (all from
     * near caches), then stores.
     *
     * @param send the id this send got (a retry's is its first attempt's)
     */
    private Mono<SendOutcome> checkAndStore(DeviceAddress sender, UUID recipient, OutgoingMessage message,
            SentMessages.Sent send, String trace) {
        return Mono.zip(Mono.fromCompletionStage(() -> keys.registrations(recipient)),
                Mono.fromCompletionStage(() -> keys.registrations(sender.accountId())),
                privacy.blocks(recipient, sender.accountId()))
                .flatMap(checks -> checkAndStore(sender, recipient, message, checks.getT1(), checks.getT2(),
                        checks.getT3(), send, trace));
    }

    /** @param blocked the recipient blocks the sender: acknowledged as usual, stored for the sender's devices only */
    private Mono<SendOutcome> checkAndStore(DeviceAddress sender, UUID recipient, OutgoingMessage message,
            Map<Integer, Integer> recipientDevices, Map<Integer, Integer> senderDevices, boolean blocked,
            SentMessages.Sent send, String trace) {
        long clientId = message.getClientMessageId();
        if (recipientDevices.isEmpty()) {
            return Mono.just(refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION,
                    "the recipient does not exist or has no device that can receive messages"));
        }
        Map<Integer, Integer> ownDevices = new TreeMap<>(senderDevices);
        ownDevices.remove(sender.deviceId());
        List<MismatchedDevices> mismatches = new ArrayList<>();
        OutgoingRules.mismatch(recipient, recipientDevices, message.getEnvelopesList()).ifPresent(mismatches::add);
        OutgoingRules.mismatch(sender.accountId(), ownDevices, message.getSelfEnvelopesList())
                .ifPresent(mismatches::add);
        if (!mismatches.isEmpty()) {
            return Mono.just(new SendOutcome.Refused(FrameErrors.mismatched(clientId, mismatches)));
        }
        return tracing.step(trace, "courier.durable", null, store(sender, recipient, message, blocked, send, trace));
    }

    /**
     * The recipient's devices first: each counts its copy against its inbox quota, and one without room gets none
     * (the others still do). When no device had room, the send is refused and nothing else is stored; otherwise the
     * sender's own devices get their copies and the ledger its SENT.
     */
    private Mono<SendOutcome> store(DeviceAddress sender, UUID recipient, OutgoingMessage message, boolean blocked,
            SentMessages.Sent send, String trace) {
        long clientId = message.getClientMessageId();
        long serverId = send.serverId();
        Instant now = send.serverTime();
        List<Addressed> toRecipient = new ArrayList<>();
        // A blocked sender is not told: it gets its SendAck, the blocker gets nothing (WhatsApp's single tick).
        for (DeviceEnvelope e : blocked ? List.<DeviceEnvelope>of() : message.getEnvelopesList()) {
            toRecipient.add(new Addressed(new DeviceAddress(recipient, e.getDeviceId()),
                    item(sender, message, serverId, now, e, null, trace)));
        }
        List<Addressed> toSelf = new ArrayList<>();
        for (DeviceEnvelope e : message.getSelfEnvelopesList()) {
            toSelf.add(new Addressed(new DeviceAddress(sender.accountId(), e.getDeviceId()),
                    item(sender, message, serverId, now, e, recipient, trace)));
        }
        // A retry's first attempt was admitted (and counted): its copies are counted again, never refused.
        return queues.enqueueEach(toRecipient, !send.retry()).flatMap(delivered -> {
            if (!delivered.isEmpty() && delivered.stream().allMatch(d -> d.noRoom() != null)) {
                return Mono.just(refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_RECIPIENT_INBOX_FULL,
                        delivered.get(0).noRoom() == InboxUsage.NoRoom.SENDER_SHARE_FULL
                                ? "the recipient has too many of your messages waiting; retry later"
                                : "the recipient has too many messages waiting; retry later"));
            }
            return Mono.zip(queues.enqueueEach(toSelf, true), receipts.recordSent(sender.accountId(), serverId, recipient,
                    now).thenReturn(Boolean.TRUE), (own, recorded) -> own)
                    .map(own -> {
                        metrics.messageStored();
                        delivered.forEach(router::route);
                        own.forEach(router::route);
                        return new SendOutcome.Accepted(clientId, serverId, now);
                    });
        });
    }

    /** An item and the device whose queue it goes to. */
    record Addressed(DeviceAddress to, InboxItem item) {
    }

    /**
     * Items in a device's queue under their sequences, to be pushed to its stream wherever {@code stream} says it
     * was when they landed; none, and {@code noRoom} says why, when its inbox quota had no room for them.
     */
    record Enqueued(DeviceAddress to, List<Queued> items, InboxUsage.NoRoom noRoom, StreamSighting stream) {
    }

    private static InboxItem.Message item(DeviceAddress sender, OutgoingMessage message, long serverId, Instant now,
            DeviceEnvelope envelope, UUID syncRecipient, String trace) {
        return new InboxItem.Message(serverId, sender.accountId(), sender.deviceId(), message.getClientMessageId(), now,
                envelope.getTypeValue(), envelope.getCiphertext().toByteArray(), null, syncRecipient,
                MessageExpiry.expiresAt(now, message.getExpireAfterSeconds()), trace);
    }

    /**
     * Settles a device's acks: DELIVERED for the messages among them (the sender hears of it first, then the
     * ledger records it, so a failure in between is repaired by the device acking again). Nothing is deleted: the
     * mailbox moves the queue's mark. {@code unknown} ids were not delivered on this stream: they are looked up in
     * the queue's memory; those not there are refused (a copy only in the log is delivered again, and acked then).
     */
    @Override
    public Mono<List<Long>> settle(DeviceAddress device, List<InboxItem> delivered, List<Long> unknown) {
        Mono<List<InboxItem>> earlier = unknown.isEmpty() ? Mono.just(List.of())
                : queues.find(device, Set.copyOf(unknown)).map(found -> found.stream().map(Queued::item).toList());
        return earlier.flatMap(found -> {
            List<InboxItem> acked = new ArrayList<>(delivered);
            acked.addAll(found);
            Set<Long> foundIds = new HashSet<>();
            found.forEach(item -> foundIds.add(item.serverId()));
            List<Long> refused = unknown.stream().filter(id -> !foundIds.contains(id)).toList();
            if (acked.isEmpty()) {
                return Mono.just(refused);
            }
            List<InboxItem.Message> deliveries = acked.stream()
                    .filter(i -> i instanceof InboxItem.Message m && m.countsAsDeliveryTo(device.accountId()))
                    .map(InboxItem.Message.class::cast).toList();
            List<MessageRef> messages = deliveries.stream().map(m -> new MessageRef(m.sender(), m.serverId(), m.groupId()))
                    .toList();
            // The queued copy proves the message was sent to this recipient, even if its SENT row has not landed yet.
            // (The inbox quota is released by the queue's mark passing the items.)
            return advance(messages, device.accountId(), ReceiptState.RECEIPT_STATE_DELIVERED, false)
                    .thenReturn(refused);
        });
    }

    /** Marks messages from {@code sender} read; completes with the ids that were never sent to the reader. */
    public Mono<List<Long>> read(DeviceAddress reader, ByteString senderId, List<Long> serverIds) {
        UUID sender = Ids.uuid(senderId, "sender_account_id");
        List<MessageRef> messages = new TreeSet<>(serverIds).stream().map(id -> new MessageRef(sender, id, null))
                .toList();
        return advance(messages, reader.accountId(), ReceiptState.RECEIPT_STATE_READ, true);
    }

    /** A message one recipient got, by its sender and server id; {@code groupId} when known to be a group's. */
    private record MessageRef(UUID sender, long serverId, UUID groupId) {
    }

    /**
     * Moves each message forward to {@code to} for {@code recipient}, telling its sender's devices first. Completes
     * with the ids that have no ledger entry for this recipient (never sent to them, or expired) where one is
     * required: for reads (nothing proves the message was sent to the reader), not for acks (the acked queue item
     * does).
     */
    private Mono<List<Long>> advance(List<MessageRef> messages, UUID recipient, ReceiptState to,
            boolean entryRequired) {
        Map<UUID, List<MessageRef>> bySender = new LinkedHashMap<>();
        messages.forEach(m -> bySender.computeIfAbsent(m.sender(), x -> new ArrayList<>()).add(m));
        Instant now = clock.instant();
        return Flux.fromIterable(bySender.entrySet())
                .flatMap(e -> {
                    Map<Long, UUID> groups = new HashMap<>();
                    e.getValue().stream().filter(m -> m.groupId() != null)
                            .forEach(m -> groups.put(m.serverId(), m.groupId()));
                    return senderReceipts.tell(new Receipts(e.getKey(), e.getValue().stream()
                            .map(MessageRef::serverId).toList(), recipient, to, now, entryRequired, groups));
                })
                .collectList()
                .map(unknown -> unknown.stream().flatMap(List::stream).toList());
    }

    /** Relays a typing indicator to whoever of its recipients is online; completes with the refusal if any. */
    public Mono<FrameError> typing(DeviceAddress sender, Typing indicator) {
        return typing.relay(sender, indicator);
    }

    private static SendOutcome refuse(long clientId, FrameErrorCode code, String message) {
        return new SendOutcome.Refused(FrameErrors.forSend(clientId, code, message));
    }
}
