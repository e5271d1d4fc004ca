package io.courier.media;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.function.IntPredicate;

import org.jboss.logging.Logger;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Expires media on stores without lifecycle rules: deletes objects whose retention is over and aborts multipart
 * uploads left incomplete, from the CQL expiry index. Every node sweeps only the shards it owns (see
 * {@code ownsShard}), so the work is split without locks; every action is idempotent, so a shard swept twice
 * during a membership change does no harm.
 */
public final class ExpirySweeper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ExpirySweeper.class);
    private static final int CONCURRENCY = 8;

    private final ExpiryIndex index;
    private final ObjectStore store;
    private final Clock clock;
    private final int lookbackDays;
    private final IntPredicate ownsShard;
    private volatile Disposable schedule = () -> { };

    ExpirySweeper(ExpiryIndex index, ObjectStore store, Clock clock, int lookbackDays, IntPredicate ownsShard) {
        this.index = index;
        this.store = store;
        this.clock = clock;
        this.lookbackDays = lookbackDays;
        this.ownsShard = ownsShard;
    }

    /** Sweeps every {@code interval}; a failed sweep is logged and the next one tries again. */
    void start(Duration interval) {
        schedule = Flux.interval(interval, interval)
                .onBackpressureDrop()
                .concatMap(tick -> sweep().onErrorResume(e -> {
                    LOG.warnf("Media expiry sweep failed (%s); retrying at the next interval",
                            e.getClass().getSimpleName());
                    return Mono.empty();
                }), 0)
                .subscribe();
    }

    /** One pass over the days in the lookback window up to today; completes with how many actions it ran. */
    public Mono<Long> sweep() {
        Instant now = clock.instant();
        LocalDate today = ExpiryIndex.day(now);
        return Flux.range(0, lookbackDays + 1)
                .map(back -> today.minusDays(lookbackDays - back))
                .concatMap(day -> Flux.range(0, ExpiryIndex.SHARDS)
                        .filter(ownsShard::test)
                        .concatMap(shard -> sweep(day, shard, now)))
                .reduce(0L, Long::sum);
    }

    /** Runs the slice's due actions; each one done leaves the index, a failed one is tried at the next sweep. */
    private Mono<Long> sweep(LocalDate day, int shard, Instant now) {
        return index.due(day, shard, now)
                .flatMap(entry -> run(entry).then(index.done(entry)).thenReturn(1L)
                        .onErrorResume(e -> {
                            LOG.warnf("Media expiry: %s of an object failed (%s); retrying at the next sweep",
                                    entry.action(), e.getMessage());
                            return Mono.just(0L);
                        }), CONCURRENCY)
                .reduce(0L, Long::sum);
    }

    private Mono<Void> run(ExpiryIndex.Entry entry) {
        return switch (entry.action()) {
            case ABORT_UPLOAD -> entry.uploadId().map(id -> store.abort(entry.objectKey(), id)).orElse(Mono.empty());
            case DELETE_OBJECT -> store.delete(entry.objectKey());
        };
    }

    @Override
    public void close() {
        schedule.dispose();
    }
}
