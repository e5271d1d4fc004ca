package io.courier.messaging;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.keys.KeyDirectory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The inbox writes of group fan-out, for the group capability's jobs. Every write is keyed by ids fixed before the
 * job started, so a job resumed after a node died rewrites the same rows: harmless, never a second copy.
 */
public final class GroupInbox implements GroupWrites {
    private final InboxStore inbox;
    private final ReceiptLedger receipts;
    private final DeliveryRouter router;
    private final KeyDirectory keys;

    GroupInbox(InboxStore inbox, ReceiptLedger receipts, DeliveryRouter router, KeyDirectory keys) {
        this.inbox = inbox;
        this.receipts = receipts;
        this.router = router;
        this.keys = keys;
    }

    @Override
    public Mono<byte[]> payload(GroupMessage message) {
        return inbox.sharedPayload(message.serverId());
    }

    @Override
    public Mono<Void> recordSent(GroupMessage message, List<UUID> recipients) {
        return receipts.recordGroupSent(message.sender().accountId(), message.serverId(), message.groupId(),
                recipients, message.serverTime());
    }

    @Override
    public Mono<Void> deliver(GroupMessage message, byte[] ciphertext, UUID member) {
        InboxItem.Message item = new InboxItem.Message(message.serverId(), message.sender().accountId(),
                message.sender().deviceId(), message.clientMessageId(), message.serverTime(),
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, ciphertext, message.groupId(), null);
        return toEveryDevice(member, item, to -> inbox.appendReference(to, item, message.serverId()));
    }

    @Override
    public Mono<Void> storeEvent(long eventId, byte[] event) {
        return inbox.putSharedPayload(eventId, event);
    }

    @Override
    public Mono<Void> deliverEvent(long eventId, byte[] event, UUID account) {
        InboxItem.GroupChange item = new InboxItem.GroupChange(eventId, event);
        return toEveryDevice(account, item, to -> inbox.append(to, item));
    }

    private Mono<Void> toEveryDevice(UUID account, InboxItem item, Function<DeviceAddress, Mono<Void>> write) {
        return Mono.fromCompletionStage(() -> keys.registrations(account))
                .flatMapMany(devices -> Flux.fromIterable(addresses(account, devices)))
                .flatMap(to -> write.apply(to).thenReturn(to))
                .doOnNext(to -> router.route(new Messenger.Addressed(to, item)))
                .then();
    }

    private static List<DeviceAddress> addresses(UUID account, Map<Integer, Integer> devices) {
        return devices.keySet().stream().map(d -> new DeviceAddress(account, d)).toList();
    }
}
