package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

import io.courier.cluster.ServerIds;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Fan-out jobs on the real database: sweeps read the windows that may hold jobs, never finished history, and no
 * job is ever in a window they don't read.
 */
@QuarkusTest
class FanoutJobStoreTest {
    private static final Duration FAR_BACK = Duration.ofDays(3);

    @Inject
    FanoutJobStore jobs;

    @Inject
    CqlSession session;

    @Test
    void aPastWindowWhoseJobsAllFinishedIsClosedAndAJobArrivingLateOpensItAgain() {
        Instant now = Instant.now();
        UUID group = UUID.randomUUID();
        int partition = jobs.partitionOf(group);
        long first = ServerIds.lowestAt(now.minus(FAR_BACK));
        List<FanoutJob> finished = List.of(job(group, first), job(group, first + 1), job(group, first + 2));
        finished.forEach(job -> jobs.record(job).block());
        finished.forEach(job -> jobs.delete(job).block());
        long window = FanoutJobStore.windowOf(first);
        assertThat(openWindows(partition)).contains(window);

        assertThat(pending(partition, now, group)).isEmpty();
        assertThat(openWindows(partition)).as("an empty past window is closed").doesNotContain(window);

        FanoutJob late = job(group, first + 3);
        jobs.record(late).block();
        assertThat(openWindows(partition)).contains(window);
        assertThat(pending(partition, now, group)).containsExactly(late.jobId());
    }

    @Test
    void anUnfinishedJobKeepsItsWindowOpenAndIsFoundWhateverItsAge() {
        Instant now = Instant.now();
        UUID group = UUID.randomUUID();
        int partition = jobs.partitionOf(group);
        FanoutJob stranded = job(group, ServerIds.lowestAt(now.minus(FAR_BACK.multipliedBy(9))));
        FanoutJob finished = job(group, stranded.jobId() + 1);
        jobs.record(stranded).block();
        jobs.record(finished).block();
        jobs.delete(finished).block();

        assertThat(pending(partition, now, group)).containsExactly(stranded.jobId());
        assertThat(pending(partition, now, group)).as("found on every sweep").containsExactly(stranded.jobId());
        assertThat(openWindows(partition)).contains(FanoutJobStore.windowOf(stranded.jobId()));
    }

    @Test
    void theCurrentWindowStaysOpenWhenEmpty() {
        Instant now = Instant.now();
        UUID group = UUID.randomUUID();
        int partition = jobs.partitionOf(group);
        FanoutJob job = job(group, ServerIds.lowestAt(now));
        jobs.record(job).block();
        jobs.delete(job).block();

        assertThat(pending(partition, now, group)).isEmpty();
        assertThat(openWindows(partition)).as("jobs may still arrive in it").contains(FanoutJobStore.windowOf(job.jobId()));
    }

    private static FanoutJob job(UUID group, long jobId) {
        return new FanoutJob.EventJob(group, jobId, new byte[] {1, 2, 3}, List.of(UUID.randomUUID()));
    }

    /** Job ids of the group that a sweep at {@code now} finds in the partition. */
    private List<Long> pending(int partition, Instant now, UUID group) {
        return jobs.pending(partition, now.toEpochMilli()).filter(job -> job.groupId().equals(group))
                .map(FanoutJob::jobId).collectList().block();
    }

    private List<Long> openWindows(int partition) {
        return session.execute(SimpleStatement.newInstance(
                "SELECT bucket FROM group_fanout_buckets WHERE partition = ?", partition)).all().stream()
                .map(row -> row.getLong("bucket")).toList();
    }
}
