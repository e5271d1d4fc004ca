package io.courier.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.hazelcast.partition.PartitionService;

import io.courier.cluster.DeviceAddress;
import io.courier.messaging.GroupMessage;
import io.courier.store.Blobs;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Unfinished fan-out jobs, partitioned like Hazelcast partitions the group ids: the member that owns a group's
 * partition runs its jobs, and after a member leaves the new owner reads exactly the partitions it took over.
 */
final class FanoutJobStore {
    private static final byte KIND_MESSAGE = 1;
    private static final byte KIND_EVENT = 2;

    private final Cql cql;
    private final PartitionService partitions;
    private final PreparedStatement insert;
    private final PreparedStatement delete;
    private final PreparedStatement select;

    FanoutJobStore(Cql cql, PartitionService partitions) {
        this.cql = cql;
        this.partitions = partitions;
        var session = cql.session();
        insert = session.prepare("INSERT INTO group_fanout_jobs (partition, job_id, group_id, kind, sender_account_id,"
                + " sender_device_id, client_message_id, server_ts, recipients, event)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        delete = session.prepare("DELETE FROM group_fanout_jobs WHERE partition = ? AND job_id = ?");
        select = session.prepare("SELECT job_id, group_id, kind, sender_account_id, sender_device_id,"
                + " client_message_id, server_ts, recipients, event FROM group_fanout_jobs WHERE partition = ?");
    }

    /** The Hazelcast partition of the group: its owner runs the group's jobs. */
    int partitionOf(UUID groupId) {
        return partitions.getPartition(groupId).getPartitionId();
    }

    Mono<Void> record(FanoutJob job) {
        ByteBuffer recipients = encode(job.recipients());
        int partition = partitionOf(job.groupId());
        if (job instanceof FanoutJob.MessageJob m) {
            GroupMessage message = m.message();
            return cql.write(insert.bind(partition, job.jobId(), job.groupId(), KIND_MESSAGE,
                    message.sender().accountId(), message.sender().deviceId(), message.clientMessageId(),
                    message.serverTime(), recipients, null));
        }
        FanoutJob.EventJob e = (FanoutJob.EventJob) job;
        return cql.write(insert.bind(partition, job.jobId(), job.groupId(), KIND_EVENT, null, null, null, null,
                recipients, ByteBuffer.wrap(e.event())));
    }

    Mono<Void> delete(FanoutJob job) {
        return cql.write(delete.bind(partitionOf(job.groupId()), job.jobId()));
    }

    /** The partition's unfinished jobs in job-id order (per group: the order they were recorded in). */
    Flux<FanoutJob> pending(int partition) {
        return ReactiveCql.rows(cql.session(), select.bind(partition)).map(FanoutJobStore::toJob);
    }

    private static FanoutJob toJob(Row row) {
        long jobId = row.getLong("job_id");
        UUID groupId = row.getUuid("group_id");
        List<UUID> recipients = decode(row.getByteBuffer("recipients"));
        if (row.getByte("kind") == KIND_EVENT) {
            return new FanoutJob.EventJob(groupId, jobId, Blobs.bytes(row.getByteBuffer("event")), recipients);
        }
        return new FanoutJob.MessageJob(new GroupMessage(groupId, jobId,
                new DeviceAddress(row.getUuid("sender_account_id"), row.getInt("sender_device_id")),
                row.getLong("client_message_id"), row.getInstant("server_ts")), recipients);
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
