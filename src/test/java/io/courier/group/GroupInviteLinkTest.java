package io.courier.group;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.CreateInviteLinkRequest;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.GroupRole;
import io.courier.api.v1.JoinGroupByLinkRequest;
import io.courier.api.v1.RevokeInviteLinkRequest;
import io.courier.support.RawStream;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

/** Revocable invite links: admins make and revoke them, anyone holding the current one joins. */
@QuarkusTest
class GroupInviteLinkTest extends GroupServerTest {
    @Test
    void anyoneWithTheCurrentLinkJoinsUntilItIsReplacedOrRevokedAndOnlyAdminsMakeOrRevokeLinks() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Participant dave = participant();
        Participant erin = participant();
        Group group = groups(alice).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(bob.accountId()).build()).getGroup();
        awaitFanout(group);
        assertThat(assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(bob).createInviteLink(create(group))))
                .contains("only the group's admins");

        ByteString first = groups(alice).createInviteLink(create(group)).getInviteToken();
        assertThat(first.size()).isEqualTo(InviteLinks.TOKEN_BYTES);
        Group joined = join(carol, first);
        assertThat(joined.getVersion()).isEqualTo(group.getVersion() + 1);
        assertThat(joined.getMembersList()).filteredOn(m -> m.getAccountId().equals(carol.accountId()))
                .extracting(GroupMember::getRole).containsExactly(GroupRole.GROUP_ROLE_MEMBER);
        assertThat(join(carol, first).getVersion()).as("joining again changes nothing").isEqualTo(joined.getVersion());
        awaitFanout(group);
        try (RawStream b = connect(bob)) {
            assertThat(b.drain()).filteredOn(ConnectResponse::hasGroupEvent).extracting(ConnectResponse::getGroupEvent)
                    .flatExtracting(GroupEvent::getAddedAccountIdsList).as("members hear of the join")
                    .contains(carol.accountId());
        }

        ByteString second = groups(alice).createInviteLink(create(group)).getInviteToken();
        assertThat(assertStatus(Status.Code.NOT_FOUND, () -> join(dave, first))).as("replaced")
                .contains("not valid");
        join(dave, second);

        assertThat(assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(bob).revokeInviteLink(revoke(group))))
                .contains("only the group's admins");
        groups(alice).revokeInviteLink(revoke(group));
        assertStatus(Status.Code.NOT_FOUND, () -> join(erin, second));
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> join(erin, ByteString.copyFrom(new byte[5]))))
                .contains("32 bytes");
        assertThat(groups(alice).getGroup(GetGroupRequest.newBuilder()
                .setGroupId(group.getGroupId()).build()).getGroup().getMembersList())
                .extracting(GroupMember::getAccountId)
                .containsExactlyInAnyOrder(alice.accountId(), bob.accountId(), carol.accountId(), dave.accountId());
    }

    private static Group join(Participant p, ByteString token) {
        return groups(p).joinGroupByLink(JoinGroupByLinkRequest.newBuilder().setInviteToken(token).build())
                .getGroup();
    }

    private static CreateInviteLinkRequest create(Group group) {
        return CreateInviteLinkRequest.newBuilder().setGroupId(group.getGroupId()).build();
    }

    private static RevokeInviteLinkRequest revoke(Group group) {
        return RevokeInviteLinkRequest.newBuilder().setGroupId(group.getGroupId()).build();
    }
}
