package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.MessageStatus;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.Read;
import io.courier.api.v1.Receipt;
import io.courier.api.v1.ReceiptState;
import io.courier.api.v1.RecipientStatus;
import io.courier.api.v1.RemoveMembersRequest;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.common.Ids;
import io.courier.messaging.MessagingConfig;
import io.courier.support.RawStream;
import io.quarkus.test.junit.QuarkusTest;

/** Group messages at the protocol level: stored once, SendAck, fan-out, offline drains, per-member receipts. */
@QuarkusTest
class GroupMessagingTest extends GroupServerTest {
    @Inject
    RateLimiter limiter;

    @Inject
    MessagingConfig messaging;

    private Group create(Participant creator, Participant... members) {
        CreateGroupRequest.Builder request = CreateGroupRequest.newBuilder();
        for (Participant m : members) {
            request.addMemberAccountIds(m.accountId());
        }
        Group group = groups(creator).createGroup(request.build()).getGroup();
        awaitFanout(group);
        return group;
    }

    /** Everything queued up to QueueEmpty, group events acked and left out. */
    private static List<Delivery> drainMessages(RawStream stream) {
        List<Delivery> deliveries = new ArrayList<>();
        for (ConnectResponse frame : stream.drain()) {
            if (frame.hasGroupEvent()) {
                stream.ack(frame.getGroupEvent().getServerId());
            } else {
                deliveries.add(frame.getDelivery());
            }
        }
        return deliveries;
    }

    @Test
    void everyOnlineMemberGetsARunOfMessagesSentBackToBackOnceEachAndInOrderWhileAckingAsTheyCome() {
        Participant alice = participant();
        Participant[] members = Stream.generate(this::participant).limit(40).toArray(Participant[]::new);
        Group group = create(alice, members);
        List<RawStream> streams = new ArrayList<>();
        try (RawStream a = connect(alice)) {
            for (Participant member : members) {
                RawStream stream = connect(member);
                streams.add(stream);
                drainMessages(stream);
            }
            drainMessages(a);
            List<Long> sent = new ArrayList<>();
            for (int i = 0; i < 15; i++) { // the copies of one message are enqueued together, lane after lane
                a.send(groupSend(clientId(), group, "message " + i));
                sent.add(a.next(FrameCase.SEND_ACK).getSendAck().getServerId());
            }
            for (RawStream stream : streams) {
                List<Long> got = new ArrayList<>();
                while (got.size() < sent.size()) {
                    Delivery delivery = stream.next(FrameCase.DELIVERY).getDelivery();
                    got.add(delivery.getServerId());
                    stream.ack(delivery.getServerId());
                }
                assertThat(got).isEqualTo(sent);
                assertThat(stream.sync()).as("no second copy").isEmpty();
            }
        } finally {
            streams.forEach(RawStream::close);
        }
    }

    @Test
    void aDisappearingGroupMessageIsNotDeliveredToAMemberOfflinePastItsTimer() {
        Participant alice = participant();
        Participant bob = participant();
        Group group = create(alice, bob);
        long stays;
        try (RawStream a = connect(alice)) {
            drainMessages(a);
            ConnectRequest brief = groupSend(clientId(), group, "for a minute");
            a.send(brief.toBuilder().setSend(brief.getSend().toBuilder().setExpireAfterSeconds(60)).build());
            a.next(FrameCase.SEND_ACK);
            a.send(groupSend(clientId(), group, "kept"));
            stays = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }
        awaitFanout(group);

        clock.advance(Duration.ofSeconds(61));

        try (RawStream b = connect(bob)) {
            assertThat(drainMessages(b)).extracting(Delivery::getServerId).containsExactly(stays);
        }
    }

    @Test
    void anOfflineMemberDrainsTheGroupMessagesInOrderThenQueueEmpty() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Group group = create(alice, bob, carol);
        List<Long> sent = new ArrayList<>();
        try (RawStream a = connect(alice)) {
            drainMessages(a);
            for (int i = 0; i < 5; i++) {
                a.send(groupSend(clientId(), group, "m" + i));
                sent.add(a.next(FrameCase.SEND_ACK).getSendAck().getServerId());
            }
        }
        awaitFanout(group);

        for (Participant member : List.of(bob, carol)) {
            try (RawStream s = connect(member)) {
                List<Delivery> queued = drainMessages(s);
                assertThat(queued).extracting(Delivery::getServerId).containsExactlyElementsOf(sent);
                assertThat(queued).extracting(d -> d.getCiphertext().toStringUtf8())
                        .containsExactly("m0", "m1", "m2", "m3", "m4");
                assertThat(queued).allSatisfy(d -> {
                    assertThat(d.getGroupId()).isEqualTo(group.getGroupId());
                    assertThat(d.getSenderAccountId()).isEqualTo(alice.accountId());
                    assertThat(d.getType()).isEqualTo(EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE);
                });
            }
        }
    }

    @Test
    void aMemberWhoBlocksTheSenderGetsNoneOfItsGroupMessagesWhileTheOthersDo() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Group group = create(alice, bob, carol);
        privacy(bob)
                .block(BlockRequest.newBuilder().setAccountId(alice.accountId()).build());
        long fromAlice;
        long fromCarol;
        try (RawStream a = connect(alice); RawStream c = connect(carol)) {
            drainMessages(a);
            drainMessages(c);
            a.send(groupSend(clientId(), group, "from the blocked sender"));
            fromAlice = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
            c.send(groupSend(clientId(), group, "from carol"));
            ConnectResponse frame = c.next();
            while (!frame.hasSendAck()) { // alice's message may reach carol first
                frame = c.next();
            }
            fromCarol = frame.getSendAck().getServerId();
        }
        awaitFanout(group); // both jobs finished: whatever bob would get is queued
        try (RawStream b = connect(bob)) {
            assertThat(drainMessages(b)).extracting(Delivery::getServerId).containsExactly(fromCarol);
        }
        try (RawStream c = connect(carol)) {
            assertThat(drainMessages(c)).extracting(Delivery::getServerId).as("carol blocks nobody")
                    .contains(fromAlice);
        }
    }

    @Test
    void aGroupSendCostsItsRecipientsFromTheAccountsClusterWideBudgetAndARefusedOneStoresNothing() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Group group = create(alice, bob, carol);
        RateLimit deliveries = messaging.groupDeliveries();
        String account = Ids.uuid(alice.accountId(), "id").toString();
        // Another node's sends (or an earlier stream's) left two member deliveries of the burst.
        assertThat(limiter.tryAcquire(deliveries, account, deliveries.burst() - 2).block()).isZero();
        try (RawStream a = connect(alice)) {
            drainMessages(a);
            a.send(groupSend(clientId(), group, "two recipients"));
            long accepted = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();

            long clientId = clientId();
            a.send(groupSend(clientId, group, "over budget"));
            var error = a.next(FrameCase.ERROR).getError();
            assertThat(error.getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
            assertThat(error.getClientMessageId()).isEqualTo(clientId);
            assertThat(error.getMessage()).contains("2 group members", "budget of member deliveries", "retry in");

            awaitFanout(group);
            try (RawStream b = connect(bob)) {
                assertThat(drainMessages(b)).extracting(Delivery::getServerId).as("only the send within budget")
                        .containsExactly(accepted);
            }
        }
    }

    @Test
    void aNonMemberAndAnUnknownGroupAreRefusedAndNothingIsStored() {
        Participant alice = participant();
        Participant bob = participant();
        Participant outsider = participant();
        Group group = create(alice, bob);
        try (RawStream o = connect(outsider)) {
            drainMessages(o);
            long clientId = clientId();
            o.send(groupSend(clientId, group, "let me in"));
            var error = o.next(FrameCase.ERROR).getError();
            assertThat(error.getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_NOT_A_MEMBER);
            assertThat(error.getClientMessageId()).isEqualTo(clientId);

            o.send(groupSend(clientId(), group.toBuilder().setGroupId(com.google.protobuf.ByteString.copyFrom(
                    new byte[16])).build(), "nowhere"));
            assertThat(o.next(FrameCase.ERROR).getError().getCode())
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION);
            o.send(ConnectRequest.newBuilder().setSend(groupSend(clientId(), group, "x").getSend().toBuilder()
                    .clearGroupCiphertext()).build());
            assertThat(o.next(FrameCase.ERROR).getError().getCode())
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
        }
        awaitFanout(group);
        try (RawStream b = connect(bob)) {
            assertThat(drainMessages(b)).as("nothing reached the members").isEmpty();
        }
    }

    @Test
    void membersRemovedBeforeASendDontGetItAndReceiptsPerMemberReachAnOfflineSender() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Participant dave = participant();
        Group group = create(alice, bob, carol, dave);
        groups(alice).removeMembers(RemoveMembersRequest.newBuilder().setGroupId(group.getGroupId())
                .addAccountIds(dave.accountId()).build());
        awaitFanout(group);
        long serverId;
        try (RawStream a = connect(alice)) {
            drainMessages(a);
            a.send(groupSend(clientId(), group, "hello group"));
            serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }
        awaitFanout(group);

        try (RawStream b = connect(bob); RawStream c = connect(carol)) {
            Delivery toBob = drainMessages(b).get(0);
            b.ack(toBob.getServerId());
            b.send(ConnectRequest.newBuilder().setRead(Read.newBuilder().setSenderAccountId(alice.accountId())
                    .addServerIds(serverId)).build());
            assertThat(b.sync()).as("no errors").isEmpty();
            c.ack(drainMessages(c).get(0).getServerId());
            assertThat(c.sync()).isEmpty();
        }
        try (RawStream d = connect(dave)) {
            assertThat(drainMessages(d)).as("removed before the send").isEmpty();
        }

        try (RawStream a = connect(alice)) {
            List<Receipt> receipts = a.drain().stream().filter(ConnectResponse::hasReceipt)
                    .map(ConnectResponse::getReceipt).toList();
            assertThat(receipts).allSatisfy(r -> {
                assertThat(r.getMessageServerId()).isEqualTo(serverId);
                assertThat(r.getGroupId()).isEqualTo(group.getGroupId());
            });
            // Receipts arriving together are coalesced into one event naming several recipients.
            assertThat(receipts).flatExtracting(r -> Stream.concat(Stream.of(r.getRecipientAccountId()),
                    r.getMoreRecipientAccountIdsList().stream())
                    .map(id -> (id.equals(bob.accountId()) ? "bob " : "carol ") + r.getState()).toList())
                    .containsExactlyInAnyOrder("bob RECEIPT_STATE_DELIVERED", "bob RECEIPT_STATE_READ",
                            "carol RECEIPT_STATE_DELIVERED");
        }

        MessageStatus status = withToken(MessagingServiceGrpc.newBlockingStub(channel), alice.device().authToken())
                .getMessageStatus(GetMessageStatusRequest.newBuilder().addServerIds(serverId).build())
                .getStatuses(0);
        assertThat(status.getRecipientsList()).extracting(RecipientStatus::getAccountId)
                .containsExactlyInAnyOrder(bob.accountId(), carol.accountId());
        assertThat(status.getRecipientsList()).extracting(RecipientStatus::getState)
                .containsExactlyInAnyOrder(ReceiptState.RECEIPT_STATE_READ, ReceiptState.RECEIPT_STATE_DELIVERED);
    }
}
