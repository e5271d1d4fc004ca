package io.courier.group;

import java.time.Clock;
import java.time.Duration;

import org.jboss.logging.Logger;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;

import io.courier.cluster.ServerIds;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Finds recorded jobs nobody is running and runs them here, for the partitions this member owns: when a member left
 * the cluster (its partitions, with their jobs, moved to the survivors) and periodically for jobs older than
 * {@code staleAfter} (a hand-over to the owner that got lost, a failed job).
 */
final class FanoutResumer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FanoutResumer.class);
    private static final Duration SAFE_POLL = Duration.ofMillis(100);
    private static final Duration SAFE_WAIT = Duration.ofMinutes(1);

    private final HazelcastInstance hazelcast;
    private final FanoutJobStore jobs;
    private final FanoutWorker worker;
    private final Clock clock;
    private final Disposable periodic;

    FanoutResumer(HazelcastInstance hazelcast, FanoutJobStore jobs, FanoutWorker worker, Clock clock,
            Duration interval, Duration staleAfter) {
        this.hazelcast = hazelcast;
        this.jobs = jobs;
        this.worker = worker;
        this.clock = clock;
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                // a new member takes partitions, not jobs: running jobs finish where they are
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                afterMigrations().then(resume(Duration.ZERO)).subscribe(null,
                        e -> LOG.warnf("Resuming fan-out jobs after %s left failed: %s", event.getMember(), e));
            }
        });
        periodic = Flux.interval(interval, interval)
                .concatMap(tick -> resume(staleAfter).onErrorResume(e -> {
                    LOG.warnf("Fan-out resume sweep failed: %s", e.toString());
                    return Mono.empty();
                }))
                .subscribe();
    }

    /** Queues the jobs of this member's partitions recorded more than {@code olderThan} ago. */
    Mono<Void> resume(Duration olderThan) {
        long before = ServerIds.lowestAt(clock.instant().minus(olderThan));
        return Flux.fromIterable(hazelcast.getPartitionService().getPartitions())
                .filter(FanoutResumer::ownedHere)
                .concatMap(p -> jobs.pending(p.getPartitionId(), clock.millis()))
                .filter(job -> olderThan.isZero() || job.jobId() < before)
                .doOnNext(worker::enqueue)
                .then();
    }

    /** Completes once the partitions of a departed member have new owners. */
    private Mono<Void> afterMigrations() {
        return Flux.interval(Duration.ZERO, SAFE_POLL)
                // isClusterSafe waits for every member's answer (minutes for a dead one's): ticks meanwhile are
                // dropped, not queued until the interval overflows and fails the resume
                .onBackpressureDrop()
                .publishOn(Schedulers.boundedElastic(), 1)
                .filter(tick -> hazelcast.getPartitionService().isClusterSafe())
                .next()
                .timeout(SAFE_WAIT)
                .then();
    }

    private static boolean ownedHere(Partition partition) {
        return partition.getOwner() != null && partition.getOwner().localMember();
    }

    @Override
    public void close() {
        periodic.dispose();
    }
}
