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
    public Mono<Void> deliver(GroupMessage message, Mono<byte[]> ready, List<UUID> members, int lookups) {
        UUID sender = message.sender().accountId();
        Mono<InboxItem> item = ready.map(ciphertext -> new InboxItem.Message(message.serverId(), sender,
                message.sender().deviceId(), message.clientMessageId(), message.serverTime(),
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, ciphertext, message.groupId(), null,
                message.expiresAt(), null));
        // In parallel: filterWhen would ask one member at a time, and a job waits for all of them.
        return toEveryDevice(Flux.fromIterable(members).flatMap(member -> privacy.blocks(member, sender)
                .filter(blocked -> !blocked).map(unblocked -> member), lookups), item, true, lookups);
    }

    @Override
    public Mono<Void> storeEvent(long eventId, byte[] event) {
        return log.putSharedPayload(eventId, event);
    }

    @Override
    public Mono<Void> deliverEvent(long eventId, byte[] event, List<UUID> accounts, int lookups) {
        return toEveryDevice(Flux.fromIterable(accounts), Mono.just(new InboxItem.GroupChange(eventId, event)), false,
                lookups);
    }

    /**
     * The item to every current device of the accounts, all together (one grid operation per partition, its
     * devices gathered first); a device whose inbox quota has no room misses it, as it would a 1:1 message. The
     * devices are looked up while {@code item} is still on its way. {@code shared}: the message's ciphertext is the
     * shared payload stored under its server id.
     */
    private Mono<Void> toEveryDevice(Flux<UUID> accounts, Mono<InboxItem> item, boolean shared, int lookups) {
        return accounts
                .flatMap(account -> Mono.fromCompletionStage(() -> keys.registrations(account))
                        .flatMapIterable(devices -> addresses(account, devices)), lookups)
                .collectList()
                .zipWith(item)
                .flatMapMany(found -> queues.enqueueToEach(found.getT1(), found.getT2(), shared))
                .doOnNext(router::route)
                .then();
    }

    private static List<DeviceAddress> addresses(UUID account, Map<Integer, Integer> devices) {
        return devices.keySet().stream().map(d -> new DeviceAddress(account, d)).toList();
    }
}
