package io.courier.account;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Told when an account is deleted, after its devices were removed (and every {@link DeviceRemovalListener} heard of
 * them), to drop what the account owned beyond its devices. May be told more than once for one account (a deletion
 * resumed after a failure): dropping must be idempotent.
 */
public interface AccountDeletionListener {
    /**
     * Completes once what the account owned is gone: the deletion finishes only after every listener is done.
     * {@code deviceIds} are every id the account ever gave a device (some may never have been used).
     */
    CompletionStage<Void> accountDeleted(UUID accountId, Set<Integer> deviceIds);
}
