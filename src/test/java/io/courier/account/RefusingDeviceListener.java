package io.courier.account;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * One more link and removal listener beside the real ones, for tests: the next link to an account, or the next
 * removal of its devices, that a test names fails here, as the queue writes behind them would if the grid or the
 * database refused them. Every other link and removal passes untouched.
 */
@Singleton
public class RefusingDeviceListener implements DeviceLinkListener, DeviceRemovalListener {
    private final Set<UUID> refuseNextLink = ConcurrentHashMap.newKeySet();
    private final Set<UUID> refuseNextRemoval = ConcurrentHashMap.newKeySet();

    /** The next link to {@code account} fails in this listener. */
    public void refuseNextLinkTo(UUID account) {
        refuseNextLink.add(account);
    }

    /** The next removal of devices of {@code account} fails in this listener. */
    public void refuseNextRemovalFrom(UUID account) {
        refuseNextRemoval.add(account);
    }

    @Override
    public CompletionStage<Void> deviceLinked(NewDevice linked) {
        return refused(refuseNextLink, linked.accountId());
    }

    @Override
    public CompletionStage<Void> devicesRemoved(UUID accountId, Set<Integer> deviceIds) {
        return refused(refuseNextRemoval, accountId);
    }

    private static CompletionStage<Void> refused(Set<UUID> next, UUID account) {
        return next.remove(account) ? CompletableFuture.failedFuture(new IllegalStateException("refused by the test"))
                : CompletableFuture.completedFuture(null);
    }
}
