package io.courier.group;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AddMembersRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.DemoteAdminsRequest;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.GroupRole;
import io.courier.api.v1.LeaveGroupRequest;
import io.courier.api.v1.PromoteAdminsRequest;
import io.courier.api.v1.RemoveMembersRequest;
import io.courier.common.Ids;
import io.courier.support.RawStream;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

/** GroupService over gRPC: the membership rules, their statuses, and the group events every member device gets. */
@QuarkusTest
class GroupServiceTest extends GroupServerTest {

    private static Group create(Participant creator, Participant... members) {
        CreateGroupRequest.Builder request = CreateGroupRequest.newBuilder()
                .setEncryptedAttributes(ByteString.copyFromUtf8("sealed title"));
        for (Participant m : members) {
            request.addMemberAccountIds(m.accountId());
        }
        return groups(creator).createGroup(request.build()).getGroup();
    }

    private static GroupRole role(Group group, Participant p) {
        return group.getMembersList().stream().filter(m -> m.getAccountId().equals(p.accountId()))
                .map(GroupMember::getRole).findFirst().orElse(GroupRole.GROUP_ROLE_UNSPECIFIED);
    }

    private static List<ByteString> memberIds(Group group) {
        return group.getMembersList().stream().map(GroupMember::getAccountId).toList();
    }

    @Test
    void theCreatorIsAdminAndEveryChangeBumpsTheVersion() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();

        Group created = create(alice, bob);
        assertThat(created.getVersion()).isEqualTo(1);
        assertThat(created.getGroupId().size()).isEqualTo(16);
        assertThat(created.getEncryptedAttributes().toStringUtf8()).isEqualTo("sealed title");
        assertThat(role(created, alice)).isEqualTo(GroupRole.GROUP_ROLE_ADMIN);
        assertThat(role(created, bob)).isEqualTo(GroupRole.GROUP_ROLE_MEMBER);

        Group added = groups(alice).addMembers(AddMembersRequest.newBuilder().setGroupId(created.getGroupId())
                .addAccountIds(carol.accountId()).build()).getGroup();
        assertThat(added.getVersion()).isEqualTo(2);
        assertThat(memberIds(added)).containsExactlyInAnyOrder(alice.accountId(), bob.accountId(), carol.accountId());

        Group again = groups(alice).addMembers(AddMembersRequest.newBuilder().setGroupId(created.getGroupId())
                .addAccountIds(carol.accountId()).build()).getGroup();
        assertThat(again.getVersion()).as("adding a member twice changes nothing").isEqualTo(2);

        Group promoted = groups(alice).promoteAdmins(PromoteAdminsRequest.newBuilder()
                .setGroupId(created.getGroupId()).addAccountIds(bob.accountId()).build()).getGroup();
        assertThat(role(promoted, bob)).isEqualTo(GroupRole.GROUP_ROLE_ADMIN);
        Group demoted = groups(bob).demoteAdmins(DemoteAdminsRequest.newBuilder()
                .setGroupId(created.getGroupId()).addAccountIds(alice.accountId()).build()).getGroup();
        assertThat(role(demoted, alice)).isEqualTo(GroupRole.GROUP_ROLE_MEMBER);
        Group removed = groups(bob).removeMembers(RemoveMembersRequest.newBuilder()
                .setGroupId(created.getGroupId()).addAccountIds(carol.accountId()).build()).getGroup();
        assertThat(memberIds(removed)).containsExactlyInAnyOrder(alice.accountId(), bob.accountId());
        assertThat(removed.getVersion()).isEqualTo(5);

        assertThat(groups(alice).getGroup(GetGroupRequest.newBuilder().setGroupId(created.getGroupId()).build())
                .getGroup()).isEqualTo(removed);
    }

    @Test
    void everyRpcRefusesWhatItMustWithAPreciseStatus() {
        Participant alice = participant();
        Participant bob = participant();
        Participant outsider = participant();
        Group group = create(alice, bob);
        ByteString id = group.getGroupId();
        ByteString unknownAccount = Ids.bytes(UUID.randomUUID());

        assertThat(assertStatus(Status.Code.NOT_FOUND, () -> groups(alice).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(bob.accountId()).addMemberAccountIds(unknownAccount).build())))
                .contains("does not exist");
        List<ByteString> tooMany = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            tooMany.add(Ids.bytes(UUID.randomUUID()));
        }
        assertThat(assertStatus(Status.Code.FAILED_PRECONDITION, () -> groups(alice).createGroup(
                CreateGroupRequest.newBuilder().addAllMemberAccountIds(tooMany).build()))).contains("1024");
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> groups(alice).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(ByteString.copyFromUtf8("short")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> groups(alice).createGroup(CreateGroupRequest.newBuilder()
                .setEncryptedAttributes(ByteString.copyFrom(new byte[4097])).build()));

        assertThat(assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(bob).addMembers(AddMembersRequest
                .newBuilder().setGroupId(id).addAccountIds(outsider.accountId()).build()))).contains("admins");
        assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(bob).removeMembers(RemoveMembersRequest.newBuilder()
                .setGroupId(id).addAccountIds(alice.accountId()).build()));
        assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(outsider).promoteAdmins(PromoteAdminsRequest
                .newBuilder().setGroupId(id).addAccountIds(outsider.accountId()).build()));
        assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(outsider).getGroup(GetGroupRequest.newBuilder()
                .setGroupId(id).build()));
        assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(outsider).leaveGroup(LeaveGroupRequest.newBuilder()
                .setGroupId(id).build()));
        assertStatus(Status.Code.NOT_FOUND, () -> groups(alice).addMembers(AddMembersRequest.newBuilder()
                .setGroupId(id).addAccountIds(unknownAccount).build()));
        assertThat(assertStatus(Status.Code.FAILED_PRECONDITION, () -> groups(alice).promoteAdmins(
                PromoteAdminsRequest.newBuilder().setGroupId(id).addAccountIds(outsider.accountId()).build())))
                .contains("not a member");
        assertThat(assertStatus(Status.Code.FAILED_PRECONDITION, () -> groups(alice).demoteAdmins(
                DemoteAdminsRequest.newBuilder().setGroupId(id).addAccountIds(alice.accountId()).build())))
                .contains("last admin");
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> groups(alice).removeMembers(RemoveMembersRequest.newBuilder()
                .setGroupId(id).addAccountIds(alice.accountId()).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> groups(alice).addMembers(AddMembersRequest.newBuilder()
                .setGroupId(id).build()));
        assertStatus(Status.Code.NOT_FOUND, () -> groups(alice).getGroup(GetGroupRequest.newBuilder()
                .setGroupId(Ids.bytes(UUID.randomUUID())).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> groups(alice).getGroup(GetGroupRequest.getDefaultInstance()));

        Group unchanged = groups(alice).getGroup(GetGroupRequest.newBuilder().setGroupId(id).build()).getGroup();
        assertThat(unchanged).as("refused calls changed nothing").isEqualTo(group);
    }

    @Test
    void theLastAdminLeavingPromotesTheLongestStandingMemberAndTheLastMemberLeavingDeletesTheGroup() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Group group = create(alice, bob);
        groups(alice).addMembers(AddMembersRequest.newBuilder().setGroupId(group.getGroupId())
                .addAccountIds(carol.accountId()).build());

        groups(alice).leaveGroup(LeaveGroupRequest.newBuilder().setGroupId(group.getGroupId()).build());

        Group after = groups(bob).getGroup(GetGroupRequest.newBuilder().setGroupId(group.getGroupId()).build())
                .getGroup();
        assertThat(role(after, bob)).as("bob joined before carol").isEqualTo(GroupRole.GROUP_ROLE_ADMIN);
        assertThat(role(after, carol)).isEqualTo(GroupRole.GROUP_ROLE_MEMBER);

        groups(bob).leaveGroup(LeaveGroupRequest.newBuilder().setGroupId(group.getGroupId()).build());
        groups(carol).leaveGroup(LeaveGroupRequest.newBuilder().setGroupId(group.getGroupId()).build());

        assertStatus(Status.Code.NOT_FOUND, () -> groups(carol).getGroup(GetGroupRequest.newBuilder()
                .setGroupId(group.getGroupId()).build()));
    }

    @Test
    void everyChangeReachesEveryMemberDeviceRemovedOnesIncludedDurably() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Group group;
        try (RawStream a = connect(alice)) {
            a.drain();
            group = create(alice, bob);
            GroupEvent created = a.next(FrameCase.GROUP_EVENT).getGroupEvent();
            assertThat(created.getGroup()).isEqualTo(group);
            assertThat(created.getChangedByAccountId()).isEqualTo(alice.accountId());
            assertThat(created.getAddedAccountIdsList()).containsExactlyInAnyOrder(alice.accountId(),
                    bob.accountId());
            a.ack(created.getServerId());
            groups(alice).addMembers(AddMembersRequest.newBuilder().setGroupId(group.getGroupId())
                    .addAccountIds(carol.accountId()).build());
            groups(alice).removeMembers(RemoveMembersRequest.newBuilder().setGroupId(group.getGroupId())
                    .addAccountIds(bob.accountId()).build());
            awaitFanout(group);
        }

        try (RawStream b = connect(bob)) {
            List<ConnectResponse> queued = b.drain();
            assertThat(queued).extracting(ConnectResponse::getFrameCase).containsOnly(FrameCase.GROUP_EVENT);
            assertThat(queued).extracting(f -> f.getGroupEvent().getGroup().getVersion()).containsExactly(1L, 2L, 3L);
            GroupEvent removal = queued.get(2).getGroupEvent();
            assertThat(removal.getRemovedAccountIdsList()).containsExactly(bob.accountId());
            assertThat(memberIds(removal.getGroup())).doesNotContain(bob.accountId());
        }
        try (RawStream c = connect(carol)) {
            assertThat(c.drain()).extracting(f -> f.getGroupEvent().getGroup().getVersion())
                    .as("carol hears of the changes from the one that added her").containsExactly(2L, 3L);
        }
    }
}
