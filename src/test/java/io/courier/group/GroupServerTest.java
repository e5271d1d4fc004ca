package io.courier.group;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupServiceGrpc;
import io.courier.api.v1.OutgoingMessage;
import io.courier.common.Ids;
import io.courier.support.ServerTest;

/** What the group tests share: stubs, send frames and waiting for a group's fan-out jobs to finish. */
abstract class GroupServerTest extends ServerTest {
    @Inject
    FanoutJobStore jobs;

    static GroupServiceGrpc.GroupServiceBlockingStub groups(Participant p) {
        return withToken(GroupServiceGrpc.newBlockingStub(channel), p.device().authToken());
    }

    static ConnectRequest groupSend(long clientId, Group group, String ciphertext) {
        return ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(clientId)
                .setGroupId(group.getGroupId()).setGroupCiphertext(ByteString.copyFromUtf8(ciphertext))).build();
    }

    static UUID id(Group group) {
        return Ids.uuid(group.getGroupId(), "group_id");
    }

    /** Waits until every recorded fan-out job of the group has finished (its durable record is gone). */
    void awaitFanout(Group group) {
        UUID groupId = id(group);
        await().atMost(Duration.ofSeconds(30)).until(() -> jobs.pending(jobs.partitionOf(groupId), System.currentTimeMillis())
                .filter(job -> job.groupId().equals(groupId)).count().block() == 0);
    }
}
