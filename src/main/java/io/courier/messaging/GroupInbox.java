package io.courier.messaging;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.keys.KeyDirectory;
import io.courier.presence.PrivacyDirectory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The queue writes of group fan-out, for the group capability's jobs. A job resumed after a node died enqueues a
 * member's copy again under the same server id: the device sees it once (its mailbox and the SDK drop duplicates by
 * server id), and since every copy takes a fresh sequence, a late one is never below a mark that passed it.
 */
public final class GroupInbox implements GroupWrites {
    private final DeviceQueues queues;
    private final DeviceLog log;
    private final ReceiptTable receipts;
    private final DeliveryRouter router;
    private final KeyDirectory keys;
    private final PrivacyDirectory privacy;

    GroupInbox(DeviceQueues queues, DeviceLog log, ReceiptTable receipts, DeliveryRouter router, KeyDirectory keys,
            PrivacyDirectory privacy) {
        this.queues = queues;
        this.log = log;
        this.receipts = receipts;
        this.router = router;
        this.keys = keys;
        this.privacy = privacy;
    }

    @Override
    public Mono<byte[]> payload(GroupMessage message) {
        return log.sharedPayload(message.serverId());
    }

    @Override
    public Mono<Void> recordSent(GroupMessage message, List<UUID> recipients) {
        return receipts.recordGroupSent(message.sender().accountId(), message.serverId(), message.groupId(),
                recipients, message.serverTime());
    }

    /** Nothing for a member who blocks the sender (as in 1:1, the sender is not told; one near-cache read). */
    @Override
    public Mono<Void> deliver(GroupMessage message, byte[] ciphertext, UUID member) {
        return privacy.blocks(member, message.sender().accountId())
                .flatMap(blocked -> blocked ? Mono.<Void>empty() : copyTo(member, message, ciphertext));
    }

    private Mono<Void> copyTo(UUID member, GroupMessage message, byte[] ciphertext) {
        InboxItem.Message item = new InboxItem.Message(message.serverId(), message.sender().accountId(),
                message.sender().deviceId(), message.clientMessageId(), message.serverTime(),
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, ciphertext, message.groupId(), null,
                message.expiresAt(), null);
        return toEveryDevice(member, item, true);
    }

    @Override
    public Mono<Void> storeEvent(long eventId, byte[] event) {
        return log.putSharedPayload(eventId, event);
    }

    @Override
    public Mono<Void> deliverEvent(long eventId, byte[] event, UUID account) {
        InboxItem.GroupChange item = new InboxItem.GroupChange(eventId, event);
        return toEveryDevice(account, item, false);
    }

    /** {@code shared}: the message's ciphertext is the shared payload stored under its server id. */
    private Mono<Void> toEveryDevice(UUID account, InboxItem item, boolean shared) {
        return Mono.fromCompletionStage(() -> keys.registrations(account))
                .flatMapMany(devices -> Flux.fromIterable(addresses(account, devices)))
                // A device whose inbox quota has no room misses this copy, as it would a 1:1 message.
                .flatMap(to -> queues.enqueue(to, List.of(item), shared)
                        .onErrorResume(InboxUsage.Full.class, full -> Mono.empty()))
                .doOnNext(router::route)
                .then();
    }

    private static List<DeviceAddress> addresses(UUID account, Map<Integer, Integer> devices) {
        return devices.keySet().stream().map(d -> new DeviceAddress(account, d)).toList();
    }
}
