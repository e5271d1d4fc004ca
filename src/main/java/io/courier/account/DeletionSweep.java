package io.courier.account;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Finishes deletions whose node died after the marker: without it the rest of such an account (keys, queues,
 * memberships, contacts) would wait for its number's next registration, which may never come. Reads the deletions
 * started in the last {@value #HOURS_BACK} whole hours (a run every hour sees each one {@value #HOURS_BACK} times, so
 * a missed run loses nothing) and finishes those still marked and older than a quarter of an hour; each member takes the accounts whose grid partition
 * it owns, so one runs each. A finished deletion costs a read of its (empty) device partition.
 */
final class DeletionSweep {
    static final int HOURS_BACK = 3;
    /** A younger deletion is most likely still running on its node: left to it. */
    static final Duration LEFT_TO_ITS_NODE = Duration.ofMinutes(15);
    private static final Logger LOG = Logger.getLogger(DeletionSweep.class);

    private final DeviceStore devices;
    private final BiFunction<UUID, Instant, Mono<Boolean>> finishIfMarked;
    private final Predicate<UUID> owned;
    private final Clock clock;

    /**
     * @param finishIfMarked finishes an account's deletion if it started before the given time
     * @param owned whether this member sweeps the account (it owns its grid partition)
     */
    DeletionSweep(DeviceStore devices, BiFunction<UUID, Instant, Mono<Boolean>> finishIfMarked,
            Predicate<UUID> owned, Clock clock) {
        this.devices = devices;
        this.finishIfMarked = finishIfMarked;
        this.owned = owned;
        this.clock = clock;
    }

    /** One pass; completes with the deletions it finished. Never fails: the next pass tries again. */
    Mono<Long> sweep() {
        Instant now = clock.instant();
        long hour = DeviceStore.hour(now);
        return Flux.range(1, HOURS_BACK).concatMap(back -> devices.deletionsStartedIn(hour - back))
                .filter(owned)
                .concatMap(account -> finishIfMarked.apply(account, now.minus(LEFT_TO_ITS_NODE))
                        .onErrorResume(e -> {
                            LOG.warnf("Finishing the deletion of account %s failed (%s); the next sweep retries",
                                    account, e.toString());
                            return Mono.just(false);
                        }))
                .filter(Boolean::booleanValue)
                .count()
                .doOnNext(finished -> {
                    if (finished > 0) {
                        LOG.infof("Finished %d account deletion(s) a node left half done", finished);
                    }
                })
                .onErrorResume(e -> {
                    LOG.warnf("Deletion sweep failed (%s); the next one retries", e.toString());
                    return Mono.just(0L);
                });
    }
}
