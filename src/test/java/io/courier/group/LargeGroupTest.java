package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Ids;
import io.courier.keys.KeyDirectory;
import io.courier.support.RawStream;
import io.courier.support.SignalDevice;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Flux;

/** A full group of 1024 created and messaged: the fast path holds at the cap (no timing assertions). */
@QuarkusTest
class LargeGroupTest extends GroupServerTest {
    private static final int CAP = 1024;

    @Inject
    KeyDirectory keys;

    @Test
    void aGroupOf1024IsCreatedAndEveryMemberGetsItsMessage() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        List<ByteString> members = new ArrayList<>(List.of(bob.accountId(), carol.accountId()));
        members.addAll(receivingAccounts(CAP - 3));
        long started = System.nanoTime();

        Group group = groups(alice).createGroup(CreateGroupRequest.newBuilder().addAllMemberAccountIds(members)
                .build()).getGroup();
        assertThat(group.getMembersCount()).isEqualTo(CAP);
        awaitFanout(group);
        long serverId;
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(groupSend(clientId(), group, "to all 1023"));
            serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }
        awaitFanout(group);
        System.out.printf("1024-member group created and messaged in %d ms%n", (System.nanoTime() - started) / 1_000_000);

        for (Participant member : List.of(bob, carol)) {
            try (RawStream s = connect(member)) {
                List<ConnectResponse> queued = s.drain();
                assertThat(queued).extracting(ConnectResponse::getFrameCase)
                        .containsExactly(FrameCase.GROUP_EVENT, FrameCase.DELIVERY);
                assertThat(queued.get(1).getDelivery().getServerId()).isEqualTo(serverId);
            }
        }
        var status = withToken(MessagingServiceGrpc.newBlockingStub(channel), alice.device().authToken())
                .getMessageStatus(GetMessageStatusRequest.newBuilder().addServerIds(serverId).build());
        assertThat(status.getStatuses(0).getRecipientsCount()).as("every member but the sender").isEqualTo(CAP - 1);
    }

    /** Accounts with one device that can receive messages, made straight through the key directory. */
    private List<ByteString> receivingAccounts(int count) {
        List<UUID> accounts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            accounts.add(UUID.randomUUID());
        }
        Flux.fromIterable(accounts)
                .flatMap(a -> keys.upload(new AuthenticatedDevice(a, 1), new SignalDevice().fullUpload(0, 0)), 32)
                .blockLast();
        return accounts.stream().map(Ids::bytes).toList();
    }
}
