package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
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

    @Inject
    CqlSession session;

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

    /**
     * Accounts with one device that can receive messages, made straight through the database and the key directory:
     * a device row (whose random credential salt is its generation) and keys uploaded as that device.
     */
    private List<ByteString> receivingAccounts(int count) {
        var insertDevice = session.prepare("INSERT INTO devices (account_id, device_id, name, credential_salt,"
                + " credential_hash, created_at) VALUES (?, 1, 'member', ?, ?, toTimestamp(now()))");
        List<AuthenticatedDevice> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] salt = new byte[16];
            ThreadLocalRandom.current().nextBytes(salt);
            AuthenticatedDevice device = new AuthenticatedDevice(UUID.randomUUID(), 1, ByteBuffer.wrap(salt).getLong());
            session.execute(insertDevice.bind(device.accountId(), ByteBuffer.wrap(salt), ByteBuffer.wrap(new byte[32])));
            devices.add(device);
        }
        Flux.fromIterable(devices)
                .flatMap(device -> keys.upload(device, new SignalDevice().fullUpload(0, 0)), 32)
                .blockLast();
        return devices.stream().map(device -> Ids.bytes(device.accountId())).toList();
    }
}
