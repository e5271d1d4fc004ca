package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A device's Send frames spend two budgets: a count of sends (messaging's, which a retry of a stored send doesn't
 * spend) and the frames' bytes (the edge's).
 */
@QuarkusTest
@TestProfile(SendBudgetsTest.SlowRefills.class)
class SendBudgetsTest extends ServerTest {
    /**
     * 200 KiB of sends per device and the default 200 sends, both refilled far slower than a test runs: a test that
     * spends a budget finds it empty however slow the machine is.
     */
    public static class SlowRefills implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.edge.send-kib-burst", "200", "courier.edge.send-kib-refill", "10m",
                    "courier.messaging.send-refill", "10m");
        }
    }

    private static byte[] ciphertext(int kib) {
        byte[] bytes = new byte[kib * 1024];
        Arrays.fill(bytes, (byte) 7);
        return bytes;
    }

    @Test
    void aRetryOfAStoredMessageIsAnsweredEvenWhenTheSenderIsRateLimited() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            long firstId = clientId();
            a.send(sendFrame(firstId, bob, "first".getBytes(StandardCharsets.UTF_8)));
            long firstServerId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
            ConnectResponse frame;
            int sent = 0;
            do {
                a.send(sendFrame(clientId(), bob, "filler".getBytes(StandardCharsets.UTF_8)));
                frame = a.next();
                sent++;
            } while (frame.hasSendAck() && sent < 1000);
            assertThat(frame.getError().getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
            assertThat(frame.getError().getMessage()).contains("sending too fast");

            a.send(sendFrame(firstId, bob, "first".getBytes(StandardCharsets.UTF_8)));

            var retry = a.next(FrameCase.SEND_ACK).getSendAck();
            assertThat(retry.getClientMessageId()).isEqualTo(firstId);
            assertThat(retry.getServerId()).isEqualTo(firstServerId);
        }
    }

    @Test
    void sendsBeyondTheBytesBudgetAreRefusedAndStoreNothing() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice); RawStream b = connect(bob)) {
            a.drain();
            b.drain();
            long first = clientId();
            long second = clientId();
            long third = clientId();
            a.send(sendFrame(first, bob, ciphertext(90)));
            assertThat(a.next(FrameCase.SEND_ACK).getSendAck().getClientMessageId()).isEqualTo(first);
            a.send(sendFrame(second, bob, ciphertext(90)));
            assertThat(a.next(FrameCase.SEND_ACK).getSendAck().getClientMessageId()).isEqualTo(second);

            a.send(sendFrame(third, bob, ciphertext(90))); // 180 of 200 KiB spent: no room for 90 more

            FrameError refused = a.next(FrameCase.ERROR).getError();
            assertThat(refused.getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
            assertThat(refused.getClientMessageId()).isEqualTo(third);
            assertThat(refused.getMessage()).contains("bytes");
            assertThat(a.sync()).as("nothing after the refusal").isEmpty();
            assertThat(List.of(b.next(FrameCase.DELIVERY).getDelivery().getClientMessageId(),
                    b.next(FrameCase.DELIVERY).getDelivery().getClientMessageId())).containsExactly(first, second);
            assertThat(b.sync()).as("the refused send stored nothing").isEmpty();
        }
    }
}
