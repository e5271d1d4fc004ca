package io.courier.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.OutgoingMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.RateLimiter;
import io.courier.common.Ids;
import io.courier.common.TokenBucket;
import io.courier.keys.KeyDirectory;
import reactor.core.publisher.Mono;

/**
 * The group send path: the Sender Key ciphertext is stored once, the sender's other devices get their 1:1 copies,
 * a fan-out job is recorded durably, and only then the SendAck goes out. The thousand inbox references are the
 * job's, written after the SendAck by the group's owner node.
 */
final class GroupSends {
    private final DeviceQueues queues;
    private final DeviceLog log;
    private final SentMessages sent;
    private final DeliveryRouter router;
    private final KeyDirectory keys;
    private final GroupFanout fanout;
    private final MessagingConfig config;
    private final MessagingMetrics metrics;
    private final RateLimiter limiter;

    GroupSends(DeviceQueues queues, DeviceLog log, SentMessages sent, DeliveryRouter router, KeyDirectory keys,
            GroupFanout fanout, MessagingConfig config, MessagingMetrics metrics, RateLimiter limiter) {
        this.queues = queues;
        this.log = log;
        this.sent = sent;
        this.router = router;
        this.keys = keys;
        this.fanout = fanout;
        this.config = config;
        this.metrics = metrics;
        this.limiter = limiter;
    }

    Mono<SendOutcome> send(DeviceAddress sender, OutgoingMessage message, TokenBucket sendRate) {
        long clientId = message.getClientMessageId();
        String problem = OutgoingRules.problem(sender, message);
        if (problem != null) {
            return refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, problem);
        }
        String oversized = OutgoingRules.oversized(message, config.maxEnvelopeBytes());
        if (oversized != null) {
            return refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_ENVELOPE_TOO_LARGE, oversized);
        }
        UUID groupId = Ids.uuid(message.getGroupId(), "group_id");
        return sent.once(sender, clientId, sendRate, send -> checkAndStore(sender, groupId, message, send));
    }

    /** Membership from the group near cache, the sender's own devices from the device-list near cache. */
    private Mono<SendOutcome> checkAndStore(DeviceAddress sender, UUID groupId, OutgoingMessage message,
            SentMessages.Sent send) {
        long clientId = message.getClientMessageId();
        return fanout.members(groupId)
                .zipWith(Mono.fromCompletionStage(() -> keys.registrations(sender.accountId())))
                .flatMap(found -> {
                    Set<UUID> members = found.getT1();
                    if (!members.contains(sender.accountId())) {
                        return refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_NOT_A_MEMBER,
                                "you are not a member of this group");
                    }
                    Map<Integer, Integer> ownDevices = new TreeMap<>(found.getT2());
                    ownDevices.remove(sender.deviceId());
                    return OutgoingRules.mismatch(sender.accountId(), ownDevices, message.getSelfEnvelopesList())
                            .map(m -> Mono.just((SendOutcome) new SendOutcome.Refused(
                                    FrameErrors.mismatched(clientId, List.of(m)))))
                            .orElseGet(() -> overBudget(sender, members.size() - 1, send, clientId)
                                    .switchIfEmpty(Mono.defer(() -> store(sender, groupId, members, message,
                                            send))));
                })
                .switchIfEmpty(Mono.defer(() -> refuse(clientId, FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION,
                        "the group does not exist")));
    }

    /**
     * Takes the send's recipients from its account's budget of member deliveries (a retry was charged by its first
     * attempt): completes empty when the budget covers them, else with the refusal.
     */
    private Mono<SendOutcome> overBudget(DeviceAddress sender, int recipients, SentMessages.Sent send, long clientId) {
        if (send.retry()) {
            return Mono.empty();
        }
        return limiter.tryAcquire(config.groupDeliveries(), sender.accountId().toString(), recipients)
                .filter(waitMillis -> waitMillis > 0)
                .map(waitMillis -> new SendOutcome.Refused(FrameErrors.forSend(clientId,
                        FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "a message to " + recipients
                                + " group members is over this account's budget of member deliveries ("
                                + config.groupDeliveriesBurst() + " at once); retry in " + waitMillis + " ms")));
    }

    private Mono<SendOutcome> store(DeviceAddress sender, UUID groupId, Set<UUID> members, OutgoingMessage message,
            SentMessages.Sent send) {
        long clientId = message.getClientMessageId();
        Instant expiresAt = MessageExpiry.expiresAt(send.serverTime(), message.getExpireAfterSeconds());
        GroupMessage stored = new GroupMessage(groupId, send.serverId(), sender, clientId, send.serverTime(),
                expiresAt);
        List<Messenger.Addressed> selfCopies = new ArrayList<>();
        for (DeviceEnvelope e : message.getSelfEnvelopesList()) {
            selfCopies.add(new Messenger.Addressed(new DeviceAddress(sender.accountId(), e.getDeviceId()),
                    new InboxItem.Message(send.serverId(), sender.accountId(), sender.deviceId(), clientId,
                            send.serverTime(), e.getTypeValue(), e.getCiphertext().toByteArray(), groupId, null,
                            expiresAt, null)));
        }
        Set<UUID> recipients = new HashSet<>(members);
        recipients.remove(sender.accountId());
        // Members' copies reference the payload: a disappearing message's goes when its time is over.
        return log.putSharedPayload(send.serverId(), message.getGroupCiphertext().toByteArray(),
                        expiresAt == null ? MessageExpiry.RETENTION : Duration.between(send.serverTime(), expiresAt))
                .then(queues.enqueueEach(selfCopies, true))
                .flatMap(enqueued -> fanout.schedule(stored, recipients).then(Mono.fromRunnable(() -> {
                    metrics.messageStored();
                    enqueued.forEach(router::route);
                })))
                .thenReturn(new SendOutcome.Accepted(clientId, send.serverId(), send.serverTime()));
    }

    private static Mono<SendOutcome> refuse(long clientId, FrameErrorCode code, String message) {
        return Mono.just(new SendOutcome.Refused(FrameErrors.forSend(clientId, code, message)));
    }
}
