package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupServiceGrpc;
import io.courier.api.v1.Typing;
import io.courier.api.v1.TypingEvent;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** Typing indicators: relayed to online devices only, never stored, refused where they don't belong. */
@QuarkusTest
class TypingTest extends ServerTest {

    @Test
    void typingReachesOnlyTheOnlineDevicesAndIsNeverDrainedLater() {
        Participant alice = participant();
        Participant bob = participant();
        Participant bobsTablet = withKeys(link(bob.device(), "tablet"));
        try (RawStream a = connect(alice); RawStream b = connect(bob)) {
            a.drain();
            b.drain();

            a.send(typing(Typing.newBuilder().setPeerAccountId(bob.accountId()).setStarted(true)));

            TypingEvent event = b.next(FrameCase.TYPING).getTyping();
            assertThat(event.getSenderAccountId()).isEqualTo(alice.accountId());
            assertThat(event.getSenderDeviceId()).isEqualTo(alice.deviceId());
            assertThat(event.getStarted()).isTrue();
            assertThat(event.getGroupId().isEmpty()).isTrue();
            assertThat(a.sync()).as("no refusal for the sender").isEmpty();
            // Relayed before the ping was answered on the sender's stream; the tablet was offline all along.
            try (RawStream tablet = connect(bobsTablet)) {
                assertThat(tablet.drain()).as("nothing queued for the offline device").isEmpty();
                assertThat(tablet.sync()).isEmpty();
            }
        }
    }

    @Test
    void groupTypingReachesOnlineMembersAndIsRefusedToNonMembers() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Group group = withToken(GroupServiceGrpc.newBlockingStub(channel), alice.device().authToken())
                .createGroup(CreateGroupRequest.newBuilder().addMemberAccountIds(bob.accountId()).build()).getGroup();
        try (RawStream a = connect(alice); RawStream b = connect(bob); RawStream c = connect(carol)) {
            takeGroupEvent(a);
            takeGroupEvent(b);
            c.drain();

            a.send(typing(Typing.newBuilder().setGroupId(group.getGroupId()).setStarted(true)));
            c.send(typing(Typing.newBuilder().setGroupId(group.getGroupId()).setStarted(true)));

            TypingEvent event = b.next(FrameCase.TYPING).getTyping();
            assertThat(event.getSenderAccountId()).isEqualTo(alice.accountId());
            assertThat(event.getGroupId()).isEqualTo(group.getGroupId());
            var refused = c.next(FrameCase.ERROR).getError();
            assertThat(refused.getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_NOT_A_MEMBER);
            // Alice doesn't hear her own, and carol's refused indicator went nowhere: the next frame each of them
            // gets is an indicator sent after those, by someone else (relays are asynchronous, so a quiet sync alone
            // would prove nothing).
            b.send(typing(Typing.newBuilder().setPeerAccountId(alice.accountId()).setStarted(true)));
            TypingEvent toAlice = a.next(FrameCase.TYPING).getTyping();
            assertThat(toAlice.getSenderAccountId()).isEqualTo(bob.accountId());
            a.send(typing(Typing.newBuilder().setPeerAccountId(bob.accountId()).setStarted(false)));
            TypingEvent toBob = b.next(FrameCase.TYPING).getTyping();
            assertThat(toBob.getSenderAccountId()).isEqualTo(alice.accountId());
            assertThat(toBob.getGroupId().isEmpty()).as("the 1:1 one, not carol's group indicator").isTrue();
        }
    }

    @Test
    void aBlockedMembersGroupTypingReachesEveryoneButTheBlocker() {
        Participant alice = participant();
        Participant bob = participant();
        Participant carol = participant();
        Group group = withToken(GroupServiceGrpc.newBlockingStub(channel), alice.device().authToken())
                .createGroup(CreateGroupRequest.newBuilder().addMemberAccountIds(bob.accountId())
                        .addMemberAccountIds(carol.accountId()).build()).getGroup();
        privacy(alice)
                .block(BlockRequest.newBuilder().setAccountId(bob.accountId()).build());
        try (RawStream a = connect(alice); RawStream b = connect(bob); RawStream c = connect(carol)) {
            takeGroupEvent(a);
            takeGroupEvent(b);
            takeGroupEvent(c);

            b.send(typing(Typing.newBuilder().setGroupId(group.getGroupId()).setStarted(true)));
            assertThat(c.next(FrameCase.TYPING).getTyping().getSenderAccountId()).isEqualTo(bob.accountId());
            assertThat(b.sync()).as("bob is not told").isEmpty();
            c.send(typing(Typing.newBuilder().setGroupId(group.getGroupId()).setStarted(true)));

            assertThat(a.next(FrameCase.TYPING).getTyping().getSenderAccountId())
                    .as("carol's later indicator is the first alice gets: bob's never came")
                    .isEqualTo(carol.accountId());
        }
    }

    @Test
    void malformedAndUnknownDestinationsAreRefused() {
        Participant alice = participant();
        RegisteredDevice keyless = registerNew();
        try (RawStream a = connect(alice)) {
            a.drain();

            a.send(typing(Typing.newBuilder().setStarted(true)));
            a.send(typing(Typing.newBuilder().setPeerAccountId(alice.accountId().substring(0, 8))));
            a.send(typing(Typing.newBuilder().setPeerAccountId(keyless.accountId())));

            assertThat(List.of(a.next(FrameCase.ERROR).getError().getCode(), a.next(FrameCase.ERROR).getError()
                    .getCode(), a.next(FrameCase.ERROR).getError().getCode())).containsExactly(
                            FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME,
                            FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME,
                            FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION);
        }
    }

    @Test
    void typingIsRateLimitedPerDevice() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            // The test profile's budget: 30, and no refill within a test.
            for (int i = 0; i < 31; i++) {
                a.send(typing(Typing.newBuilder().setPeerAccountId(bob.accountId()).setStarted(i % 2 == 0)));
            }

            List<ConnectResponse> answers = a.sync();
            assertThat(answers).hasSize(1);
            assertThat(answers.get(0).getError().getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
        }
    }

    @Test
    void aSpentBudgetSurvivesAReconnect() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            for (int i = 0; i < 30; i++) { // the test profile's budget, with no refill within a test
                a.send(typing(Typing.newBuilder().setPeerAccountId(bob.accountId()).setStarted(i % 2 == 0)));
            }
            assertThat(a.sync()).as("all 30 within the budget").isEmpty();
        }
        try (RawStream again = connect(alice)) {
            again.drain();
            again.send(typing(Typing.newBuilder().setPeerAccountId(bob.accountId()).setStarted(true)));

            List<ConnectResponse> answers = again.sync();
            assertThat(answers).hasSize(1);
            assertThat(answers.get(0).getError().getCode()).as("the new stream took over the spent budget")
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
        }
    }

    /** The group's creation event: queued already, or fanned out (asynchronously) after the drain. */
    private static void takeGroupEvent(RawStream stream) {
        ConnectResponse event = stream.drain().stream().filter(ConnectResponse::hasGroupEvent).findFirst()
                .orElseGet(() -> stream.next(FrameCase.GROUP_EVENT));
        stream.ack(event.getGroupEvent().getServerId());
    }

    private static ConnectRequest typing(Typing.Builder typing) {
        return ConnectRequest.newBuilder().setTyping(typing).build();
    }
}
