package io.courier.group;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;

import org.jboss.logging.Logger;

import com.hazelcast.core.IExecutorService;

import io.courier.messaging.GroupFanout;
import io.courier.messaging.GroupMessage;
import reactor.core.publisher.Mono;

/** Records fan-out jobs durably, then starts each on the member that owns its group's partition. */
final class FanoutScheduler implements GroupFanout {
    static final String EXECUTOR = "courier-group-fanout";
    private static final Logger LOG = Logger.getLogger(FanoutScheduler.class);

    private final GroupCache groups;
    private final FanoutJobStore jobs;
    private final IExecutorService owners;

    FanoutScheduler(GroupCache groups, FanoutJobStore jobs, IExecutorService owners) {
        this.groups = groups;
        this.jobs = jobs;
        this.owners = owners;
    }

    @Override
    public Mono<Set<UUID>> members(UUID groupId) {
        return groups.get(groupId).map(GroupState::memberIds);
    }

    @Override
    public Mono<Void> schedule(GroupMessage message, Set<UUID> recipients) {
        return schedule(new FanoutJob.MessageJob(message, List.copyOf(recipients)));
    }

    /** Completes once the job is durable; starting it is best effort (a resume sweep starts it otherwise). */
    Mono<Void> schedule(FanoutJob job) {
        return record(job).then(Mono.fromRunnable(() -> start(job)));
    }

    Mono<Void> record(FanoutJob job) {
        return jobs.record(job);
    }

    /** Drops a recorded job that will never run (its change lost the compare-and-set). */
    Mono<Void> discard(FanoutJob job) {
        return jobs.delete(job);
    }

    /** Hands a recorded job to the owner of its group's partition, best effort. */
    void start(FanoutJob job) {
        try {
            owners.executeOnKeyOwner(new OwnerTask(job), job.groupId());
        } catch (RejectedExecutionException | IllegalStateException e) {
            LOG.debugf("Fan-out job %d not handed to its owner (a resume sweep runs it): %s", job.jobId(),
                    e.toString());
        }
    }
}
