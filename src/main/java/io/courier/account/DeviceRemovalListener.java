package io.courier.account;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/** Told when devices stop existing (revoked, or replaced by a re-registration), to drop what they owned. */
public interface DeviceRemovalListener {
    /** Completes once what the devices owned is gone: the removal is answered only after every listener is done. */
    CompletionStage<Void> devicesRemoved(UUID accountId, Set<Integer> deviceIds);
}
