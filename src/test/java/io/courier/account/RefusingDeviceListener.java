package io.courier.account;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * One more link listener beside the real ones, for tests: the next link to an account a test names fails here, as
 * the notice's queue writes would if the grid or the database refused them. Every other link passes untouched.
 */
@Singleton
public class RefusingLinkListener implements DeviceLinkListener {
    private final Set<UUID> refuseNext = ConcurrentHashMap.newKeySet();

    /** The next link to {@code account} fails in this listener. */
    public void refuseNextLinkTo(UUID account) {
        refuseNext.add(account);
    }

    @Override
    public CompletionStage<Void> deviceLinked(NewDevice linked) {
        return refuseNext.remove(linked.accountId())
                ? CompletableFuture.failedFuture(new IllegalStateException("notice refused by the test"))
                : CompletableFuture.completedFuture(null);
    }
}
