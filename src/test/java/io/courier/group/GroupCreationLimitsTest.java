package io.courier.group;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

import io.courier.api.v1.AddMembersRequest;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.CreateGroupResponse;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupServiceGrpc;
import io.courier.api.v1.LeaveGroupRequest;
import io.courier.common.Ids;
import io.courier.common.RetryAfter;
import io.courier.support.FaultyCql;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

import com.google.common.util.concurrent.ListenableFuture;

/**
 * Issue 21, "Why" 2: group creation has its own small budget per account, and an account keeps a bounded number of
 * the groups it created alive. Test profile: 20 creations, refilled once an hour; at most 12 kept.
 */
@QuarkusTest
class GroupCreationLimitsTest extends GroupServerTest {
    @Inject
    GroupConfig config;

    @Inject
    FaultyCql cql;

    private static CreateGroupRequest request(Participant... members) {
        CreateGroupRequest.Builder request = CreateGroupRequest.newBuilder();
        for (Participant m : members) {
            request.addMemberAccountIds(m.accountId());
        }
        return request.build();
    }

    private static Group create(Participant creator, Participant... members) {
        return groups(creator).createGroup(request(members)).getGroup();
    }

    /** A create on its way: its group's member index write is held until the test opens the returned hold. */
    private ListenableFuture<CreateGroupResponse> heldCreate(FaultyCql.Hold hold, Participant creator,
            Participant... members) throws Exception {
        ListenableFuture<CreateGroupResponse> pending = withToken(GroupServiceGrpc.newFutureStub(channel),
                creator.device().authToken()).createGroup(request(members));
        hold.reached().get(30, TimeUnit.SECONDS); // reserved, not written
        return pending;
    }

    private FaultyCql.Hold holdNextIndexWrite() {
        return cql.holdNextWrite(query -> query.startsWith("INSERT INTO account_groups"));
    }

    private static void leave(Participant p, Group group) {
        groups(p).leaveGroup(LeaveGroupRequest.newBuilder().setGroupId(group.getGroupId()).build());
    }

    @Test
    void creationsCostTheirOwnBudgetWhichLeavingDoesNotRefillAndARefusedOneStoresNothing() {
        assertThat(config.creationBurst()).isEqualTo(20);
        assertThat(config.maxCreatedPerAccount()).as("the budget is reached past the cap").isLessThan(20);
        Participant alice = participant();
        Participant bob = participant();
        Group kept = create(alice, bob);
        for (int i = 1; i < config.creationBurst(); i++) {
            leave(alice, create(alice)); // alone in it: the group is deleted, the creation stays spent
            clock.advance(CreatedGroups.HELD); // and its place frees once its reservation is old
        }
        Set<UUID> reservedBefore = reserved(alice);
        List<UUID> indexedBefore = indexed(bob);

        StatusRuntimeException refused = catchThrowableOfType(() -> create(alice, bob),
                StatusRuntimeException.class);

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription()).contains("groups created by this account");
        assertThat(refused.getTrailers().get(RetryAfter.TRAILER)).as("when to retry").isNotNull();
        assertThat(reserved(alice)).as("the refused creation reserved nothing").isEqualTo(reservedBefore);
        assertThat(indexed(bob)).as("nor named bob anywhere").isEqualTo(indexedBefore);
        // Creations no longer share the budget of membership changes.
        Group grown = groups(alice).addMembers(AddMembersRequest.newBuilder().setGroupId(kept.getGroupId())
                .addAccountIds(participant().accountId()).build()).getGroup();
        assertThat(grown.getMembersCount()).isEqualTo(3);
    }

    @Test
    void anAccountKeepsAtMostItsCapOfCreatedGroupsEvenOnesItLeftUntilOneIsDeleted() {
        Participant alice = participant();
        Participant bob = participant();
        List<Group> made = new ArrayList<>();
        for (int i = 0; i < config.maxCreatedPerAccount(); i++) {
            made.add(create(alice, bob));
        }
        Group left = made.get(0);
        leave(alice, left); // bob keeps it alive: it still counts against alice
        List<UUID> indexedBefore = indexed(bob);

        String refusal = assertStatus(Status.Code.FAILED_PRECONDITION, () -> create(alice, bob));

        assertThat(refusal).contains("max-created-per-account").contains(config.maxCreatedPerAccount() + " groups");
        assertThat(reserved(alice)).as("nothing reserved beyond the cap").hasSize(config.maxCreatedPerAccount());
        assertThat(indexed(bob)).as("the refused group named nobody").isEqualTo(indexedBefore);

        leave(bob, left); // its last member: the group is deleted and no longer counts once its reservation is old
        assertStatus(Status.Code.NOT_FOUND, () -> groups(bob).getGroup(GetGroupRequest.newBuilder()
                .setGroupId(left.getGroupId()).build()));
        clock.advance(CreatedGroups.HELD);
        Group another = create(alice, bob);
        assertThat(reserved(alice)).hasSize(config.maxCreatedPerAccount()).contains(id(another))
                .doesNotContain(id(left));
    }

    @Test
    void aCreateNotYetWrittenKeepsItsReservationSoTwoCreatesAtTheCapCantBothPass() throws Exception {
        Participant alice = participant();
        Participant bob = participant();
        for (int i = 1; i < config.maxCreatedPerAccount(); i++) {
            create(alice, bob);
        }
        leave(alice, create(alice)); // deleted; its reservation goes at the cap's next check once it is old
        clock.advance(CreatedGroups.HELD);
        FaultyCql.Hold hold = holdNextIndexWrite();
        ListenableFuture<CreateGroupResponse> first = heldCreate(hold, alice, bob);

        // The first create dropped the deleted group's reservation and took the last place; its group isn't in the
        // store yet, but its reservation is young, so it counts.
        String refusal = assertStatus(Status.Code.FAILED_PRECONDITION, () -> create(alice, bob));
        hold.open().complete(null);
        Group made = first.get(30, TimeUnit.SECONDS).getGroup();

        assertThat(refusal).contains("max-created-per-account");
        assertThat(reserved(alice)).hasSize(config.maxCreatedPerAccount()).contains(id(made));
        assertThat(reserved(alice).stream().filter(this::stored)).as("groups alive")
                .hasSize(config.maxCreatedPerAccount());
    }

    @Test
    void aCreateThatFailsBeforeWritingItsGroupGivesItsReservationBack() {
        Participant alice = participant();
        Participant bob = participant();
        Group kept = create(alice, bob);
        cql.failNextWrite(query -> query.startsWith("INSERT INTO account_groups"));

        assertStatus(Status.Code.UNAVAILABLE, () -> create(alice, bob));

        assertThat(reserved(alice)).containsExactly(id(kept));
    }

    @Test
    void aCreateTooSlowToWriteItsGroupBeforeItsReservationMayBeDroppedGivesUpAndGivesItAndItsIndexEntriesBack() throws Exception {
        Participant alice = participant();
        Participant bob = participant();
        Group kept = create(alice, bob);
        FaultyCql.Hold hold = holdNextIndexWrite();
        ListenableFuture<CreateGroupResponse> slow = heldCreate(hold, alice, bob);

        clock.advance(CreatedGroups.HELD.dividedBy(2));
        hold.open().complete(null);

        Throwable failed = catchThrowableOfType(() -> slow.get(30, TimeUnit.SECONDS), ExecutionException.class)
                .getCause();
        assertThat(Status.fromThrowable(failed).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Status.fromThrowable(failed).getDescription()).contains("took too long");
        assertThat(reserved(alice)).as("no group written, no place kept").containsExactly(id(kept));
        assertThat(indexed(bob)).as("nor index entries naming it").containsExactly(id(kept));
        assertThat(indexed(alice)).containsExactly(id(kept));
    }

    @Test
    void aReservationWhoseGroupWasNeverWrittenIsDroppedAtTheCapOnlyOnceItIsOld() {
        Participant alice = participant();
        Participant bob = participant();
        for (int i = 1; i < config.maxCreatedPerAccount(); i++) {
            create(alice, bob);
        }
        UUID orphan = UUID.randomUUID(); // reserved by a node that died before writing the group
        Map<UUID, Instant> withOrphan = new HashMap<>(reservations(alice));
        withOrphan.put(orphan, clock.instant());
        cql.session().execute(SimpleStatement.newInstance("UPDATE groups_created SET groups = ? WHERE account_id = ?",
                withOrphan, account(alice)));

        assertStatus(Status.Code.FAILED_PRECONDITION, () -> create(alice, bob));
        clock.advance(CreatedGroups.HELD);
        Group made = create(alice, bob);

        assertThat(reserved(alice)).hasSize(config.maxCreatedPerAccount()).contains(id(made))
                .doesNotContain(orphan);
    }

    @Test
    void getGroupCostsTheCallersReadBudgetSoRandomIdsAreBounded() {
        Participant mallory = participant();
        for (int i = 0; i < config.readBurst(); i++) {
            assertStatus(Status.Code.NOT_FOUND, () -> groups(mallory).getGroup(GetGroupRequest.newBuilder()
                    .setGroupId(Ids.bytes(UUID.randomUUID())).build()));
        }
        String refusal = assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> groups(mallory).getGroup(
                GetGroupRequest.newBuilder().setGroupId(Ids.bytes(UUID.randomUUID())).build()));
        assertThat(refusal).contains("group reads by this account");

        Participant other = participant();
        Group own = create(other);
        assertThat(groups(other).getGroup(GetGroupRequest.newBuilder().setGroupId(own.getGroupId()).build())
                .getGroup().getGroupId()).as("another account's budget is its own").isEqualTo(own.getGroupId());
    }

    /** The groups the member index says {@code p} may be in. */
    private List<UUID> indexed(Participant p) {
        return cql.session().execute(SimpleStatement.newInstance(
                "SELECT group_id FROM account_groups WHERE account_id = ?", account(p))).all().stream()
                .map(row -> row.getUuid(0)).toList();
    }

    private Set<UUID> reserved(Participant p) {
        return reservations(p).keySet();
    }

    private Map<UUID, Instant> reservations(Participant p) {
        Row row = cql.session().execute(SimpleStatement.newInstance(
                "SELECT groups FROM groups_created WHERE account_id = ?", account(p))).one();
        return row == null ? Map.of() : row.getMap(0, UUID.class, Instant.class);
    }

    private boolean stored(UUID groupId) {
        return cql.session().execute(SimpleStatement.newInstance(
                "SELECT group_id FROM chat_groups WHERE group_id = ?", groupId)).one() != null;
    }

    private static UUID account(Participant p) {
        return Ids.uuid(p.accountId(), "account_id");
    }
}
