package io.courier.group;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.hazelcast.partition.PartitionService;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.messaging.GroupMessage;
import io.courier.store.Blobs;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Unfinished fan-out jobs, partitioned like Hazelcast partitions the group ids (the member that owns a group's
 * partition runs its jobs, and after a member leaves the new owner reads exactly the partitions it took over) and
 * by ten-minute windows of their ids' time. A finished job's row is deleted; the windows that may still hold jobs
 * are listed per partition, and a window that is over and empty leaves the list. A sweep reads the open windows
 * only, so finished history is never scanned again and no read meets more than one window's tombstones.
 */
final class FanoutJobStore {
    private static final byte KIND_MESSAGE = 1;
    private static final byte KIND_EVENT = 2;
    static final long WINDOW_MILLIS = Duration.ofMinutes(10).toMillis();
    /**
     * Windows this far behind the clock take no new jobs (a recorder's clock would have to lag by more than a
     * window), so an empty one can leave the list.
     */
    private static final int CLOSED_AFTER_WINDOWS = 2;

    private final Cql cql;
    private final PartitionService partitions;
    private final PreparedStatement insert;
    private final PreparedStatement delete;
    private final PreparedStatement select;
    private final PreparedStatement openWindow;
    private final PreparedStatement openWindows;
    private final PreparedStatement closeWindow;

    FanoutJobStore(Cql cql, PartitionService partitions) {
        this.cql = cql;
        this.partitions = partitions;
        var session = cql.session();
        insert = session.prepare("INSERT INTO group_fanout_jobs (partition, bucket, job_id, group_id, kind,"
                + " sender_account_id, sender_device_id, client_message_id, server_ts, recipients, event)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        delete = session.prepare("DELETE FROM group_fanout_jobs WHERE partition = ? AND bucket = ? AND job_id = ?");
        select = session.prepare("SELECT job_id, group_id, kind, sender_account_id, sender_device_id,"
                + " client_message_id, server_ts, recipients, event FROM group_fanout_jobs"
                + " WHERE partition = ? AND bucket = ?");
        openWindow = session.prepare("INSERT INTO group_fanout_buckets (partition, bucket) VALUES (?, ?)");
        openWindows = session.prepare("SELECT bucket FROM group_fanout_buckets WHERE partition = ?");
        closeWindow = session.prepare("DELETE FROM group_fanout_buckets USING TIMESTAMP ? WHERE partition = ?"
                + " AND bucket = ?");
    }

    static long windowOf(long jobId) {
        return ServerIds.millisOf(jobId) / WINDOW_MILLIS;
    }

    /** The Hazelcast partition of the group: its owner runs the group's jobs. */
    int partitionOf(UUID groupId) {
        return partitions.getPartition(groupId).getPartitionId();
    }

    /**
     * Writes the job, then lists its window; the job counts as recorded (and its send is acknowledged) only once
     * both landed. Listing after the row is what keeps a sweep from unlisting it: a sweep closes a window only if
     * its read found no row, and stamps the close with that read's time, which the listing then postdates. Listing
     * with every job, not once per window, also puts back a window a sweep already closed (a retry keeps its id).
     */
    Mono<Void> record(FanoutJob job) {
        ByteBuffer recipients = encode(job.recipients());
        int partition = partitionOf(job.groupId());
        long window = windowOf(job.jobId());
        Mono<Void> write;
        if (job instanceof FanoutJob.MessageJob m) {
            GroupMessage message = m.message();
            write = cql.write(insert.bind(partition, window, job.jobId(), job.groupId(), KIND_MESSAGE,
                    message.sender().accountId(), message.sender().deviceId(), message.clientMessageId(),
                    message.serverTime(), recipients, null));
        } else {
            FanoutJob.EventJob e = (FanoutJob.EventJob) job;
            write = cql.write(insert.bind(partition, window, job.jobId(), job.groupId(), KIND_EVENT, null, null,
                    null, null, recipients, ByteBuffer.wrap(e.event())));
        }
        return write.then(cql.write(openWindow.bind(partition, window)));
    }

    Mono<Void> delete(FanoutJob job) {
        return cql.write(delete.bind(partitionOf(job.groupId()), windowOf(job.jobId()), job.jobId()));
    }

    /**
     * The partition's unfinished jobs, window by window in job-id order (per group: the order they were recorded
     * in). A window that is over and turns out empty is closed on the way.
     *
     * @param nowMillis the sweeper's clock: which windows are over
     */
    Flux<FanoutJob> pending(int partition, long nowMillis) {
        long closedBelow = nowMillis / WINDOW_MILLIS - CLOSED_AFTER_WINDOWS;
        return ReactiveCql.rows(cql.session(), openWindows.bind(partition))
                .map(row -> row.getLong("bucket"))
                .concatMap(window -> {
                    // Stamped with the time of the read that found the window empty: a job written after that
                    // read is listed after it too, so its listing wins over this close (clocks a window apart
                    // aside).
                    long readAtMicros = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
                    return ReactiveCql.rows(cql.session(), select.bind(partition, window))
                            .map(FanoutJobStore::toJob)
                            .switchIfEmpty(Mono.defer(() -> window < closedBelow
                                    ? cql.write(closeWindow.bind(readAtMicros, partition, window)).then(Mono.empty())
                                    : Mono.empty()));
                });
    }

    private static FanoutJob toJob(Row row) {
        long jobId = row.getLong("job_id");
        UUID groupId = row.getUuid("group_id");
        List<UUID> recipients = decode(row.getByteBuffer("recipients"));
        if (row.getByte("kind") == KIND_EVENT) {
            return new FanoutJob.EventJob(groupId, jobId, Blobs.bytes(row.getByteBuffer("event")), recipients);
        }
        // A resumed job's copies of a disappearing message end with its payload's TTL instead of their own.
        return new FanoutJob.MessageJob(new GroupMessage(groupId, jobId,
                new DeviceAddress(row.getUuid("sender_account_id"), row.getInt("sender_device_id")),
                row.getLong("client_message_id"), row.getInstant("server_ts"), null), recipients);
    }

    private static ByteBuffer encode(List<UUID> accounts) {
        ByteBuffer out = ByteBuffer.allocate(accounts.size() * 16);
        accounts.forEach(a -> out.putLong(a.getMostSignificantBits()).putLong(a.getLeastSignificantBits()));
        return out.flip();
    }

    private static List<UUID> decode(ByteBuffer blob) {
        ByteBuffer in = blob.duplicate();
        List<UUID> accounts = new ArrayList<>(in.remaining() / 16);
        while (in.remaining() >= 16) {
            accounts.add(new UUID(in.getLong(), in.getLong()));
        }
        return accounts;
    }
}
