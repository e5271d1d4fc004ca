package io.courier.account;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.LookupAccountRequest;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** A number registered again without the Registration Lock reveals nothing of its previous owner to the new one. */
@QuarkusTest
class RecycledNumberTest extends ServerTest {
    @Test
    void theNewOwnerSeesNoneOfThePreviousOwnersReceiptsStatusesOrQueuedMessages() {
        Participant previousOwner = participant();
        Participant friend = participant();
        long sentByPrevious;
        try (RawStream owner = connect(previousOwner); RawStream other = connect(friend)) {
            owner.drain();
            other.drain();
            owner.send(sendFrame(1, friend, new byte[] { 1 }));
            sentByPrevious = owner.next(FrameCase.SEND_ACK).getSendAck().getServerId();
            other.ack(other.next(FrameCase.DELIVERY).getDelivery().getServerId());
            owner.next(FrameCase.RECEIPT); // DELIVERED, left un-acked in the previous owner's inbox
            // A message queued for the previous owner while it is offline.
            other.send(sendFrame(2, previousOwner, new byte[] { 2 }));
            other.next(FrameCase.SEND_ACK);
        }
        var previousStatus = withToken(MessagingServiceGrpc.newBlockingStub(channel),
                previousOwner.device().authToken()).getMessageStatus(
                GetMessageStatusRequest.newBuilder().addServerIds(sentByPrevious).build());
        assertThat(previousStatus.getStatusesList()).as("the previous owner sees its status").hasSize(1);

        Participant newOwner = withKeys(register(previousOwner.device().phoneNumber()));

        assertThat(newOwner.accountId()).isNotEqualTo(previousOwner.accountId());
        var status = withToken(MessagingServiceGrpc.newBlockingStub(channel), newOwner.device().authToken())
                .getMessageStatus(GetMessageStatusRequest.newBuilder().addServerIds(sentByPrevious).build());
        assertThat(status.getStatusesList()).as("no status of the previous owner's messages").isEmpty();
        try (RawStream stream = connect(newOwner)) {
            assertThat(stream.drain()).as("no receipts or messages queued for the previous owner").isEmpty();
        }
        assertThat(accounts(friend.device()).lookupAccount(LookupAccountRequest.newBuilder()
                .setPhoneNumber(previousOwner.device().phoneNumber()).build()).getAccountId())
                .as("contacts find the new owner").isEqualTo(newOwner.accountId());
    }
}
