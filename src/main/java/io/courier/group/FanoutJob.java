package io.courier.group;

import java.io.Serializable;
import java.util.List;
import java.util.UUID;

import io.courier.messaging.GroupMessage;

/**
 * Work for every member device of a group, recorded durably before it starts and deleted when done. The recipients
 * are fixed when the job is recorded: members added later don't get it, members removed earlier don't either.
 */
sealed interface FanoutJob extends Serializable {
    UUID groupId();

    /** Also the inbox id every recipient device gets. */
    long jobId();

    List<UUID> recipients();

    /** A stored group message: a reference to it in every recipient device's inbox. */
    record MessageJob(GroupMessage message, List<UUID> recipients) implements FanoutJob {
        @Override
        public UUID groupId() {
            return message.groupId();
        }

        @Override
        public long jobId() {
            return message.serverId();
        }
    }

    /** A membership change: the serialized GroupEvent in every recipient device's inbox. */
    record EventJob(UUID groupId, long jobId, byte[] event, List<UUID> recipients) implements FanoutJob {
    }
}
