package io.courier.account;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.google.protobuf.ByteString;

import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.DeleteAccountRequest;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.GroupServiceGrpc;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.LookupAccountRequest;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.PushPlatform;
import io.courier.api.v1.PushServiceGrpc;
import io.courier.api.v1.SetContactsRequest;
import io.courier.api.v1.SetPushTokenRequest;
import io.courier.common.Ids;
import io.courier.store.Cql;
import io.courier.support.MockApns;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * DeleteAccount leaves no row of the account in any table: every uuid column of every table in the keyspace is
 * searched for its id, so a table added later that keeps the account's rows fails this test until deletion cleans it.
 */
@QuarkusTest
class AccountDeletionTest extends ServerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final ListDevicesRequest LIST = ListDevicesRequest.getDefaultInstance();

    /**
     * Columns that may still name a deleted account, with why: other accounts' records about it, and the
     * account's own tick ledger and attachments, which expire with their TTLs (see docs/security.md).
     */
    private static final Map<String, String> KEPT = Map.ofEntries(
            Map.entry("device_log.sender_account_id", "a message it sent, in a recipient's queue: the recipient's"),
            Map.entry("device_log.sync_recipient_id", "a sent transcript in another device's queue"),
            Map.entry("device_log.receipt_recipient_id", "a receipt about it, in a sender's queue"),
            Map.entry("receipts.recipient_account_id", "the tick of a message sent to it: the sender's record"),
            Map.entry("direct_receipts.recipient_account_id", "the tick of a message sent to it: the sender's record"),
            Map.entry("account_contacts.contact_id", "another account's contact list"),
            Map.entry("receipts.sender_account_id",
                    "ticks of its group messages: one partition per message, unreachable by account; 30-day TTL"),
            Map.entry("direct_receipts.sender_account_id",
                    "ticks of its 1:1 messages: a partition per ten minutes of a month; 30-day TTL"),
            Map.entry("group_fanout_jobs.sender_account_id", "a fan-out job in flight: deleted when done, TTL 30 days"),
            Map.entry("media_uploads.account_id", "attachments it sent, in its recipients' chats until they expire"),
            Map.entry("account_deletions.account_id", "the deletion sweep's record of it: expires in two days"));

    @Inject
    Cql cql;

    @Inject
    DeviceStore devices;

    @Inject
    AccountRegistry registry;

    @Test
    void deletionLeavesNoRowOfTheAccountTheNumberRegistersAfreshAndEveryoneSeesItGone() {
        Participant doomed = participant();
        Participant laptop = withKeys(link(doomed.device(), "laptop"));
        Participant friend = participant();
        Participant third = participant();
        UUID doomedId = uuid(doomed.accountId());
        String phone = doomed.device().phoneNumber();

        privacy(doomed).block(BlockRequest.newBuilder().setAccountId(third.accountId()).build());
        privacy(doomed).setContacts(SetContactsRequest.newBuilder().addAccountIds(friend.accountId()).build());
        for (Participant device : List.of(doomed, laptop)) {
            withToken(PushServiceGrpc.newBlockingStub(channel), device.device().authToken()).setPushToken(
                    SetPushTokenRequest.newBuilder().setPlatform(PushPlatform.PUSH_PLATFORM_APNS)
                            .setToken(MockApns.randomToken()).build());
        }
        accounts(doomed.device()).createLinkCode(CreateLinkCodeRequest.getDefaultInstance()); // left unused
        try (RawStream d = connect(doomed); RawStream f = connect(friend)) {
            d.drain();
            f.drain();
            d.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(1)
                    .setRecipientAccountId(friend.accountId()).addEnvelopes(envelope(friend, new byte[] { 1 }))
                    .addSelfEnvelopes(envelope(laptop, new byte[] { 2 }))).build());
            nextOf(d, FrameCase.SEND_ACK);
            f.send(toBothDevices(2, doomed, laptop));
            nextOf(f, FrameCase.SEND_ACK);
        }
        Group group = groups(friend).createGroup(CreateGroupRequest.newBuilder()
                .addMemberAccountIds(doomed.accountId()).addMemberAccountIds(third.accountId()).build()).getGroup();
        await().atMost(PATIENCE).until(() -> tablesNaming(doomedId).contains("last_seen.account_id"));
        assertThat(tablesNaming(doomedId)).as("the setup wrote the account's rows everywhere they can be")
                .contains("phone_accounts.account_id", "devices.account_id", "link_codes.account_id",
                        "device_keys.account_id", "one_time_keys.account_id", "push_tokens.account_id",
                        "account_privacy.account_id", "account_contacts.account_id", "last_seen.account_id",
                        "account_groups.account_id", "device_log.account_id", "device_queues.account_id",
                        "sent_messages.account_id");

        assertThat(assertStatus(Status.Code.PERMISSION_DENIED, () -> accounts(laptop.device())
                .deleteAccount(confirm(phone)))).contains("only the primary device");
        assertThat(assertStatus(Status.Code.FAILED_PRECONDITION, () -> accounts(doomed.device())
                .deleteAccount(confirm(randomPhoneNumber())))).contains("nothing was deleted");
        assertThat(accounts(laptop.device()).listDevices(LIST).getDevicesCount()).as("refusals change nothing")
                .isEqualTo(2);

        accounts(doomed.device()).deleteAccount(confirm(phone));

        for (Participant device : List.of(doomed, laptop)) {
            assertStatus(Status.Code.UNAUTHENTICATED, () -> accounts(device.device()).listDevices(LIST));
        }
        assertThat(tablesNaming(doomedId)).as("no row of the deleted account is left").isEmpty();
        assertStatus(Status.Code.NOT_FOUND, () -> accounts(friend.device()).lookupAccount(
                LookupAccountRequest.newBuilder().setPhoneNumber(phone).build()));
        assertStatus(Status.Code.NOT_FOUND, () -> keys(friend.device()).getPreKeyBundle(
                GetPreKeyBundleRequest.newBuilder().setAccountId(doomed.accountId()).build()));
        Group after = groups(friend).getGroup(GetGroupRequest.newBuilder().setGroupId(group.getGroupId()).build())
                .getGroup();
        assertThat(after.getMembersList()).extracting(GroupMember::getAccountId)
                .containsExactlyInAnyOrder(friend.accountId(), third.accountId());
        try (RawStream f = connect(friend)) {
            assertThat(f.drain()).filteredOn(ConnectResponse::hasGroupEvent)
                    .anySatisfy(e -> assertThat(e.getGroupEvent().getRemovedAccountIdsList())
                            .containsExactly(doomed.accountId()));
            f.send(toBothDevices(3, doomed, laptop));
            assertThat(nextOf(f, FrameCase.ERROR).getError().getCode())
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION);
        }

        RegisteredDevice again = register(phone);
        assertThat(again.accountId()).as("a new account").isNotEqualTo(doomed.accountId());
        assertThat(accounts(again).listDevices(LIST).getDevicesCount()).isEqualTo(1);
        assertThat(accounts(friend.device()).lookupAccount(LookupAccountRequest.newBuilder().setPhoneNumber(phone)
                .build()).getAccountId()).isEqualTo(again.accountId());
    }

    @Test
    void aDeletionInterruptedAfterItsMarkerIsFinishedByTheNumbersNextRegistration() {
        Participant doomed = participant();
        UUID doomedId = uuid(doomed.accountId());
        privacy(doomed).setContacts(SetContactsRequest.newBuilder().addAccountIds(Ids.bytes(UUID.randomUUID()))
                .build());
        // The deletion's first step alone, as if the node died right after it.
        AccountDevices read = devices.load(doomedId).block();
        assertThat(devices.markDeleted(doomedId, read, clock.instant()).block()).isTrue();

        assertStatus(Status.Code.UNAUTHENTICATED, () -> accounts(doomed.device()).listDevices(LIST));
        assertThat(tablesNaming(doomedId)).as("half deleted").contains("account_contacts.account_id");

        RegisteredDevice again = register(doomed.device().phoneNumber());

        assertThat(again.accountId()).isNotEqualTo(doomed.accountId());
        assertThat(tablesNaming(doomedId)).as("the registration finished the deletion").isEmpty();
    }

    @Test
    void aDeletionInterruptedAfterItsMarkerIsFinishedByTheSweepWithinTheNextHours() {
        Participant doomed = participant();
        Participant bystander = participant();
        UUID doomedId = uuid(doomed.accountId());
        privacy(doomed).setContacts(SetContactsRequest.newBuilder().addAccountIds(Ids.bytes(UUID.randomUUID()))
                .build());
        // Marked a minute before the hour ends, as if its node died right after.
        Instant marked = clock.instant().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(59));
        AccountDevices read = devices.load(doomedId).block();
        assertThat(devices.markDeleted(doomedId, read, marked).block()).isTrue();
        assertThat(tablesNaming(doomedId)).as("half deleted").contains("account_contacts.account_id");

        assertThat(sweepAt(marked.plus(Duration.ofMinutes(2)), doomedId)).as("two minutes on, in the next hour: left to its"
                + " node, which is most likely still at it").isZero();
        long finished = sweepAt(marked.plus(Duration.ofHours(1)), doomedId);

        assertThat(finished).isEqualTo(1);
        assertThat(tablesNaming(doomedId)).as("the sweep finished the deletion").isEmpty();
        assertThat(registry.finishIfMarked(uuid(bystander.accountId()), marked.plus(Duration.ofHours(1))).block())
                .as("a live account is untouched").isFalse();
        assertThat(devices.load(uuid(bystander.accountId())).block().devices()).hasSize(1);
    }

    /** A sweep at {@code now} by a member that owns only this account (other tests' deletions are theirs). */
    private long sweepAt(Instant now, UUID account) {
        return new DeletionSweep(devices, registry::finishIfMarked, account::equals,
                Clock.fixed(now, ZoneOffset.UTC)).sweep().block();
    }

    /** The next frame of this kind; deliveries and events in between are skipped. */
    private static ConnectResponse nextOf(RawStream stream, FrameCase expected) {
        for (ConnectResponse frame = stream.next(); ; frame = stream.next()) {
            if (frame.getFrameCase() == expected) {
                return frame;
            }
        }
    }

    private static DeleteAccountRequest confirm(String phone) {
        return DeleteAccountRequest.newBuilder().setConfirmPhoneNumber(phone).build();
    }

    private static ConnectRequest toBothDevices(long clientId, Participant primary, Participant linked) {
        return ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(clientId)
                .setRecipientAccountId(primary.accountId()).addEnvelopes(envelope(primary, new byte[] { 3 }))
                .addEnvelopes(envelope(linked, new byte[] { 4 }))).build();
    }

    /** "table.column" of every uuid column (outside {@link #KEPT}) holding the account's id in some row. */
    private Set<String> tablesNaming(UUID account) {
        CqlSession session = cql.session();
        String keyspace = session.getKeyspace().orElseThrow().asInternal();
        Set<String> found = new TreeSet<>();
        Map<String, String> uuidColumns = new TreeMap<>();
        for (Row column : session.execute(SimpleStatement.newInstance("SELECT table_name, column_name, type"
                + " FROM system_schema.columns WHERE keyspace_name = ?", keyspace))) {
            String name = column.getString("table_name") + "." + column.getString("column_name");
            if ("uuid".equals(column.getString("type")) && !KEPT.containsKey(name)) {
                uuidColumns.put(name, column.getString("column_name"));
            }
        }
        uuidColumns.forEach((name, columnName) -> {
            String table = name.substring(0, name.indexOf('.'));
            long rows = session.execute(SimpleStatement.newInstance("SELECT count(*) FROM \"" + table + "\" WHERE \""
                    + columnName + "\" = ? ALLOW FILTERING", account)).one().getLong(0);
            if (rows > 0) {
                found.add(name);
            }
        });
        return found;
    }

    private static UUID uuid(ByteString id) {
        return Ids.uuid(id, "account_id");
    }

    private static GroupServiceGrpc.GroupServiceBlockingStub groups(Participant participant) {
        return withToken(GroupServiceGrpc.newBlockingStub(channel), participant.device().authToken());
    }

}
