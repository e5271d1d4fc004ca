package io.courier.account;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Told when a device joins an account through a link code, to tell the account's other devices: a link code that
 * leaked (phished, shoulder-surfed) must not add a device nobody notices.
 */
public interface DeviceLinkListener {
    /** A newly linked device, and the devices the account had before it ({@code notified}: whom to tell). */
    record NewDevice(UUID accountId, int deviceId, String name, Instant linkedAt, Set<Integer> notified) {
        public NewDevice {
            notified = Set.copyOf(notified);
        }
    }

    /** Completes once the notice is durable for every device in {@code notified}; the link is answered only then. */
    CompletionStage<Void> deviceLinked(NewDevice linked);
}
