package io.courier.client;

import java.time.Instant;

import io.courier.api.v1.AccountEvent;
import io.courier.api.v1.DeviceLinked;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/** Changes of this device's own account that the server queues for it ({@code AccountEvent}): linked devices. */
final class AccountNotices {
    /** Notices kept for an app that subscribes late (the first subscriber gets them) or reads slowly. */
    private static final int BUFFERED = 64;

    private final Acks acks;
    private final Sinks.Many<LinkedDeviceNotice> linked = Sinks.many().multicast().onBackpressureBuffer(BUFFERED,
            false);

    AccountNotices(Acks acks) {
        this.acks = acks;
    }

    Flux<LinkedDeviceNotice> linkedDevices() {
        return linked.asFlux();
    }

    /**
     * Acked once emitted; one the buffer had no room for is not acked, so the server delivers it again on the next
     * connect. An event of a kind this SDK doesn't know is acked and skipped.
     */
    void onEvent(AccountEvent event) {
        if (event.hasDeviceLinked()) {
            DeviceLinked device = event.getDeviceLinked();
            if (linked.tryEmitNext(new LinkedDeviceNotice(device.getDeviceId(), device.getDeviceName(),
                    Instant.ofEpochMilli(device.getLinkedAtMs()))).isFailure()) {
                return;
            }
        }
        acks.ack(event.getServerId());
    }
}
