package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupEvent;
import io.courier.cluster.ServerIds;
import io.courier.common.Ids;
import io.courier.support.RawStream;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A change's event job is recorded before its compare-and-set. A node that dies between the compare-and-set and
 * starting the job delays the event (the resume sweep delivers it); a recorded event whose change lost its
 * compare-and-set is never delivered.
 */
@QuarkusTest
class ChangeEventsTest extends GroupServerTest {
    @Inject
    GroupStore store;

    @Inject
    FanoutScheduler scheduler;

    @Inject
    FanoutResumer resumer;

    @Inject
    ServerIds serverIds;

    @Test
    void anEventIsDeliveredIfAndOnlyIfItsChangeHappened() {
        Participant alice = participant();
        Participant bob = participant();
        Group group = groups(alice).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(bob.accountId()).build()).getGroup();
        awaitFanout(group);
        try (RawStream b = connect(bob)) {
            b.drain().forEach(f -> b.ack(f.getGroupEvent().getServerId()));
            assertThat(b.sync()).isEmpty();
        }
        UUID groupId = id(group);
        GroupStore.Stored before = store.read(groupId).block();
        GroupState after = new GroupState(groupId, before.group().version() + 1, before.group().attributes(),
                before.group().members());
        List<UUID> everyone = List.copyOf(before.group().memberIds());

        // Two attempts at the same version recorded their jobs; one won the compare-and-set, and its node died
        // before starting the job. The other lost and its node died before discarding its job.
        FanoutJob.EventJob won = eventJob(after, everyone);
        FanoutJob.EventJob lost = eventJob(after, everyone);
        scheduler.record(won).then(scheduler.record(lost)).block();
        assertThat(store.update(before, after, won.jobId()).block()).isTrue();

        clock.advance(Duration.ofSeconds(21));
        resumer.resume(Duration.ofSeconds(20)).block();
        awaitFanout(group);

        try (RawStream b = connect(bob)) {
            List<GroupEvent> events = b.drain().stream().filter(ConnectResponse::hasGroupEvent)
                    .map(ConnectResponse::getGroupEvent).toList();
            assertThat(events).extracting(GroupEvent::getServerId).containsExactly(won.jobId());
            assertThat(events.get(0).getGroup().getVersion()).isEqualTo(after.version());
        }
    }

    private FanoutJob.EventJob eventJob(GroupState after, List<UUID> recipients) {
        GroupEvent event = GroupEvent.newBuilder().setGroup(after.toProto())
                .setChangedByAccountId(Ids.bytes(recipients.get(0))).build();
        return new FanoutJob.EventJob(after.id(), serverIds.next(), event.toByteArray(), recipients);
    }
}
