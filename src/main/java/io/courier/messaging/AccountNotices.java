package io.courier.messaging;

import java.util.concurrent.CompletionStage;

import io.courier.account.DeviceLinkListener;
import io.courier.api.v1.AccountEvent;
import io.courier.api.v1.DeviceLinked;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;

/**
 * Changes of an account told to its own devices as queued {@code AccountEvent}s: durable like a group event, so a
 * device that is offline when another one is linked hears of it when it connects. Carries names and times, never a
 * credential.
 */
final class AccountNotices implements DeviceLinkListener {
    private final DeviceQueues queues;
    private final DeliveryRouter router;
    private final ServerIds serverIds;

    AccountNotices(DeviceQueues queues, DeliveryRouter router, ServerIds serverIds) {
        this.queues = queues;
        this.router = router;
        this.serverIds = serverIds;
    }

    /** One event, under one server id, in the queue of every device the account had before the new one. */
    @Override
    public CompletionStage<Void> deviceLinked(NewDevice linked) {
        AccountEvent event = AccountEvent.newBuilder().setDeviceLinked(DeviceLinked.newBuilder()
                .setDeviceId(linked.deviceId())
                .setDeviceName(linked.name())
                .setLinkedAtMs(linked.linkedAt().toEpochMilli())).build();
        InboxItem.AccountChange item = new InboxItem.AccountChange(serverIds.next(), event.toByteArray());
        // No message among the items: the inbox quota never refuses them.
        return queues.enqueueToEach(linked.notified().stream()
                        .map(device -> new DeviceAddress(linked.accountId(), device)).toList(), item, false)
                .doOnNext(router::route)
                .then()
                .toFuture();
    }
}
