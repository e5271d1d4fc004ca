package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.Group;
import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.GroupRole;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Flux;

/** The SDK's group calls and the group events it hands the app. */
@QuarkusTest
class ClientGroupTest extends ServerTest {

    private ClientHarness registered() {
        return ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    private static BlockingQueue<GroupEvent> collect(Flux<GroupEvent> events) {
        BlockingQueue<GroupEvent> queue = new LinkedBlockingQueue<>();
        events.subscribe(queue::add);
        return queue;
    }

    private static GroupEvent next(BlockingQueue<GroupEvent> queue) throws InterruptedException {
        GroupEvent event = queue.poll(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS);
        assertThat(event).as("a group event within 20 s").isNotNull();
        return event;
    }

    @Test
    void groupCallsChangeTheGroupAndEveryMemberDeviceHearsOfEachChange() throws Exception {
        try (ClientHarness alice = registered(); ClientHarness bob = registered(); ClientHarness carol = registered()) {
            UUID bobId = bob.client.credentials().accountId();
            UUID carolId = carol.client.credentials().accountId();
            BlockingQueue<GroupEvent> aliceEvents = collect(alice.client.groupEvents());
            BlockingQueue<GroupEvent> bobEvents = collect(bob.client.groupEvents());
            alice.online();
            bob.online();

            Group group = alice.client.createGroup(List.of(bobId), new byte[] { 1, 2, 3 }).block();
            UUID groupId = WireIds.uuid(group.getGroupId());
            assertThat(next(aliceEvents).getGroup()).isEqualTo(group);
            assertThat(next(bobEvents).getGroup()).isEqualTo(group);

            Group withCarol = alice.client.addMembers(groupId, List.of(carolId)).block();
            assertThat(withCarol.getMembersCount()).isEqualTo(3);
            assertThat(next(bobEvents).getAddedAccountIdsList()).containsExactly(WireIds.bytes(carolId));
            Group promoted = alice.client.promoteAdmins(groupId, List.of(bobId)).block();
            assertThat(promoted.getMembersList()).filteredOn(m -> m.getRole() == GroupRole.GROUP_ROLE_ADMIN)
                    .extracting(GroupMember::getAccountId).hasSize(2);
            alice.client.demoteAdmins(groupId, List.of(bobId)).block();
            Group removed = alice.client.removeMembers(groupId, List.of(carolId)).block();
            assertThat(removed.getMembersCount()).isEqualTo(2);
            bob.client.leaveGroup(groupId).block();

            assertThat(alice.client.getGroup(groupId).block().getMembersList()).extracting(GroupMember::getAccountId)
                    .containsExactly(WireIds.bytes(alice.client.credentials().accountId()));
            List<Long> versions = List.of(next(bobEvents), next(bobEvents), next(bobEvents), next(bobEvents))
                    .stream().map(e -> e.getGroup().getVersion()).toList();
            assertThat(versions).as("bob hears every change up to his leaving, in order").containsExactly(3L, 4L,
                    5L, 6L);
        }
    }

    @Test
    void theSdkSaysWhoMayAddThisAccountAndJoinsAndRevokesThroughInviteLinks() {
        try (ClientHarness alice = registered(); ClientHarness bob = registered(); ClientHarness carol = registered()) {
            UUID aliceId = alice.client.credentials().accountId();
            UUID bobId = bob.client.credentials().accountId();
            bob.client.allowGroupAdds(GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS).block();
            assertThatThrownBy(() -> alice.client.createGroup(List.of(bobId), new byte[0]).block())
                    .hasMessageContaining(bobId.toString());
            bob.client.setContacts(List.of(aliceId)).block();
            Group group = alice.client.createGroup(List.of(bobId), new byte[0]).block();
            UUID groupId = WireIds.uuid(group.getGroupId());

            byte[] link = alice.client.createInviteLink(groupId).block();
            Group joined = carol.client.joinGroupByLink(link).block();
            assertThat(joined.getMembersList()).extracting(GroupMember::getAccountId)
                    .contains(WireIds.bytes(carol.client.credentials().accountId()));
            alice.client.revokeInviteLink(groupId).block();
            assertThatThrownBy(() -> bob.client.joinGroupByLink(link).block()).hasMessageContaining("not valid");
        }
    }
}
