package io.courier.group;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.courier.messaging.GroupWrites;
import reactor.core.publisher.Mono;

/**
 * Runs the fan-out jobs of the groups this node owns: one lane per group, so a group's jobs run one after another in
 * the order they arrived; different groups run side by side. A job deletes its durable record when every recipient
 * is written; one that fails keeps it, and the next resume sweep runs it again (every write is idempotent). An
 * event's job runs only if its change happened ({@link AppliedChanges}).
 */
final class FanoutWorker {
    private static final Logger LOG = Logger.getLogger(FanoutWorker.class);

    private final GroupWrites writes;
    private final FanoutJobStore jobs;
    private final AppliedChanges changes;
    private final int concurrency;
    /** Jobs waiting behind the running one, per group with a running job. Guarded by this. */
    private final Map<UUID, ArrayDeque<FanoutJob>> lanes = new HashMap<>();
    /** Ids of the jobs queued or running here, so a job handed over twice runs once. Guarded by this. */
    private final Set<Long> known = new HashSet<>();
    /**
     * Jobs queued or running here at most. Each holds up to 1023 recipients; members of busy groups can send faster
     * than a lane drains, so what is beyond this waits in the jobs table, not in the heap.
     */
    static final int MAX_QUEUED = 4096;

    /** @param concurrency recipients whose devices one job looks up at once */
    FanoutWorker(GroupWrites writes, FanoutJobStore jobs, AppliedChanges changes, int concurrency) {
        this.writes = writes;
        this.jobs = jobs;
        this.changes = changes;
        this.concurrency = concurrency;
    }

    /**
     * Queues a job in its group's lane; a job already queued or running here is ignored, and so is one beyond
     * {@value #MAX_QUEUED} jobs held here (it stays recorded: a resume sweep brings it back). Never blocks.
     */
    void enqueue(FanoutJob job) {
        synchronized (this) {
            if (known.size() >= MAX_QUEUED || !known.add(job.jobId())) {
                return;
            }
            ArrayDeque<FanoutJob> lane = lanes.get(job.groupId());
            if (lane != null) {
                lane.add(job);
                return;
            }
            lanes.put(job.groupId(), new ArrayDeque<>());
        }
        run(job);
    }

    private void run(FanoutJob job) {
        Mono.defer(() -> execute(job)) // a job that fails to start still frees its lane

                .flatMap(finished -> finished ? jobs.delete(job) : Mono.empty())
                .doFinally(signal -> next(job))
                .subscribe(null, e -> LOG.warnf("Fan-out job %d of group %s failed; a resume sweep retries it: %s",
                        job.jobId(), job.groupId(), e.toString()));
    }

    /** Completes with whether the job is finished (false: it stays recorded for a later sweep). */
    private Mono<Boolean> execute(FanoutJob job) {
        if (job instanceof FanoutJob.MessageJob m) {
            // The payload read, the SENT rows and the members' lookups side by side: the first copy waits for the
            // slowest of them, not for their sum.
            Mono<byte[]> ready = writes.payload(m.message())
                    .zipWith(writes.recordSent(m.message(), m.recipients()).thenReturn(true), (c, sent) -> c);
            return writes.deliver(m.message(), ready, m.recipients(), concurrency).thenReturn(true);
        }
        FanoutJob.EventJob e = (FanoutJob.EventJob) job;
        return changes.verdict(e).flatMap(verdict -> switch (verdict) {
            case APPLIED -> writes.storeEvent(e.jobId(), e.event())
                    .then(writes.deliverEvent(e.jobId(), e.event(), e.recipients(), concurrency))
                    .thenReturn(true);
            case NEVER -> Mono.just(true);
            case UNDECIDED -> Mono.just(false);
        });
    }

    private void next(FanoutJob done) {
        FanoutJob following;
        synchronized (this) {
            known.remove(done.jobId());
            ArrayDeque<FanoutJob> lane = lanes.get(done.groupId());
            following = lane == null ? null : lane.poll();
            if (following == null) {
                lanes.remove(done.groupId());
            }
        }
        if (following != null) {
            run(following);
        }
    }
}
