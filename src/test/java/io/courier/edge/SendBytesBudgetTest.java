package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A device's Send frames spend a budget of bytes as well as one of sends: large envelopes run it dry first. */
@QuarkusTest
@TestProfile(SendBytesBudgetTest.SmallBytesBudget.class)
class SendBytesBudgetTest extends ServerTest {
    /** 200 KiB of sends per device, refilled far slower than the test runs. */
    public static class SmallBytesBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.edge.send-kib-burst", "200", "courier.edge.send-kib-refill", "10m");
        }
    }

    private static long clientId() {
        return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    private static byte[] ciphertext(int kib) {
        byte[] bytes = new byte[kib * 1024];
        Arrays.fill(bytes, (byte) 7);
        return bytes;
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

            a.send(sendFrame(third, bob, ciphertext(90))); // 182 of 200 KiB spent: no room for 91 more

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
