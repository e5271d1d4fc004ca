package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.Group;
import io.courier.cluster.ClusterConfig;
import io.courier.messaging.GroupWrites;
import io.courier.support.RawStream;
import io.courier.support.SecondMember;
import io.quarkus.test.junit.QuarkusTest;

/** A fan-out job cut short by the death of the member running it is finished by the member that takes over. */
@QuarkusTest
class FanoutResumeTest extends GroupServerTest {
    private static final int MEMBERS = 5;

    @Inject
    HazelcastInstance hazelcast;

    @Inject
    ClusterConfig cluster;

    @Inject
    GroupWrites writes;

    @Inject
    GroupStore store;

    @Test
    void aJobStoppedMidwayByItsOwnersDeathReachesEveryMemberDeviceOnceAsTheAppSeesIt() throws Exception {
        Participant alice = participant();
        List<Participant> members = new ArrayList<>();
        CreateGroupRequest.Builder request = CreateGroupRequest.newBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            Participant member = participant();
            members.add(member);
            request.addMemberAccountIds(member.accountId());
        }
        HazelcastInstance other = SecondMember.join(hazelcast, cluster.name(), List.of(GroupCache.mapConfig()));
        List<RawStream> streams = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hazelcast.getCluster().getMembers().size() == 2
                    && hazelcast.getPartitionService().isClusterSafe());
            // The other member runs jobs like a node, except that it stops for good after two member deliveries.
            GatedWrites gated = new GatedWrites(writes, 2);
            other.getUserContext().put(OwnerTask.WORKER, new FanoutWorker(gated, jobs,
                    new AppliedChanges(store, clock, Duration.ofSeconds(20)), 1));
            Group group = groupOwnedBy(other, alice, request.build());
            for (Participant member : members) {
                RawStream stream = connect(member);
                streams.add(stream);
                stream.drain().forEach(f -> stream.ack(f.getGroupEvent().getServerId()));
            }
            long serverId;
            try (RawStream a = connect(alice)) {
                a.drain();
                a.send(groupSend(clientId(), group, "survives a node"));
                serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
            }
            assertThat(gated.written.await(30, TimeUnit.SECONDS)).as("two members written before the death").isTrue();

            other.getLifecycleService().terminate();

            for (RawStream stream : streams) {
                ConnectResponse first = stream.next(FrameCase.DELIVERY);
                assertThat(first.getDelivery().getServerId()).isEqualTo(serverId);
                stream.ack(serverId);
            }
            awaitFanout(group);
            for (RawStream stream : streams) {
                assertThat(stream.sync()).as("no second copy reaches the device").isEmpty();
            }
        } finally {
            streams.forEach(RawStream::close);
            other.shutdown();
        }
    }

    /** Creates groups until one lands in a partition the other member owns. */
    private Group groupOwnedBy(HazelcastInstance owner, Participant creator, CreateGroupRequest request) {
        for (int attempt = 0; attempt < 50; attempt++) {
            Group group = groups(creator).createGroup(request).getGroup();
            awaitFanout(group); // its events are in every member's inbox before the streams drain
            if (owner.getPartitionService().getPartition(id(group)).getOwner().localMember()) {
                return group;
            }
        }
        throw new AssertionError("no group landed on the other member in 50 attempts");
    }
}
