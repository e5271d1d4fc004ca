package io.courier.group;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AddMembersRequest;
import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.GetPrivacyRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.SetContactsRequest;
import io.courier.api.v1.SetGroupAddPolicyRequest;
import io.courier.common.Ids;
import io.courier.presence.PresenceConfig;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Who may add an account to groups: everyone, its contacts, nobody; never an account it blocks. */
@QuarkusTest
class GroupAddPolicyTest extends GroupServerTest {
    @Inject
    PresenceConfig presence;

    @Test
    void anAccountAllowingNobodyOrOnlyItsContactsOrBlockingTheAdderIsRefusedByNameAndNothingChanges() {
        Participant alice = participant();
        Participant nobody = participant();
        Participant contactsOnly = participant();
        Participant blocker = participant();
        Participant anyone = participant();
        setPolicy(nobody, GroupAddPolicy.GROUP_ADD_POLICY_NOBODY);
        setPolicy(contactsOnly, GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS);
        privacy(blocker).block(BlockRequest.newBuilder().setAccountId(alice.accountId()).build());

        String refused = assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(alice).createGroup(
                CreateGroupRequest.newBuilder().addMemberAccountIds(anyone.accountId())
                        .addMemberAccountIds(nobody.accountId()).addMemberAccountIds(blocker.accountId()).build()));
        assertThat(refused).contains("2 of the accounts", uuid(nobody).toString(), uuid(blocker).toString())
                .doesNotContain(uuid(anyone).toString());

        Group group = groups(alice).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(anyone.accountId()).build()).getGroup();
        for (Participant refusing : List.of(nobody, contactsOnly, blocker)) {
            assertThat(assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(alice).addMembers(AddMembersRequest
                    .newBuilder().setGroupId(group.getGroupId()).addAccountIds(refusing.accountId()).build())))
                    .contains(uuid(refusing).toString(), "nothing was changed");
        }
        Group unchanged = groups(alice).getGroup(GetGroupRequest.newBuilder().setGroupId(group.getGroupId()).build())
                .getGroup();
        assertThat(unchanged.getVersion()).isEqualTo(group.getVersion());
        assertThat(unchanged.getMembersList()).extracting(GroupMember::getAccountId)
                .containsExactlyInAnyOrder(alice.accountId(), anyone.accountId());

        // Once the adder is on its contact list, an account that allows its contacts can be added.
        privacy(contactsOnly).setContacts(SetContactsRequest.newBuilder().addAccountIds(alice.accountId()).build());
        Group added = groups(alice).addMembers(AddMembersRequest.newBuilder().setGroupId(group.getGroupId())
                .addAccountIds(contactsOnly.accountId()).build()).getGroup();
        assertThat(added.getMembersList()).extracting(GroupMember::getAccountId).contains(contactsOnly.accountId());
        // Replacing the list replaces it: the new contact may add, the old one no longer.
        privacy(contactsOnly).setContacts(SetContactsRequest.newBuilder().addAccountIds(anyone.accountId()).build());
        assertThat(groups(anyone).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(contactsOnly.accountId()).build()).getGroup().getMembersCount()).isEqualTo(2);
        assertStatus(Status.Code.PERMISSION_DENIED, () -> groups(alice).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(contactsOnly.accountId()).build()));
    }

    @Test
    void thePolicyIsReportedAndMalformedChangesAreInvalid() {
        Participant alice = participant();
        assertThat(privacy(alice).getPrivacy(GetPrivacyRequest.getDefaultInstance()).getGroupAddPolicy())
                .as("until set").isEqualTo(GroupAddPolicy.GROUP_ADD_POLICY_EVERYONE);
        setPolicy(alice, GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS);
        assertThat(privacy(alice).getPrivacy(GetPrivacyRequest.getDefaultInstance()).getGroupAddPolicy())
                .isEqualTo(GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS);

        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> setPolicy(alice,
                GroupAddPolicy.GROUP_ADD_POLICY_UNSPECIFIED))).contains("EVERYONE, CONTACTS or NOBODY");
        List<ByteString> tooMany = new ArrayList<>();
        for (int i = 0; i <= presence.maxContacts(); i++) {
            tooMany.add(Ids.bytes(UUID.randomUUID()));
        }
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> privacy(alice).setContacts(
                SetContactsRequest.newBuilder().addAllAccountIds(tooMany).build())))
                .contains("at most " + presence.maxContacts());
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> privacy(alice).setContacts(
                SetContactsRequest.newBuilder().addAccountIds(ByteString.copyFromUtf8("short")).build()));
        assertThat(privacy(alice).getPrivacy(GetPrivacyRequest.getDefaultInstance()).getGroupAddPolicy())
                .as("a refused change changes nothing").isEqualTo(GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS);
    }

    private static void setPolicy(Participant p, GroupAddPolicy policy) {
        privacy(p).setGroupAddPolicy(SetGroupAddPolicyRequest.newBuilder().setPolicy(policy).build());
    }

    private static UUID uuid(Participant p) {
        return Ids.uuid(p.accountId(), "account_id");
    }

}
