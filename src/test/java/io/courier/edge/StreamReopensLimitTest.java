package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.common.RetryAfter;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A node whose share of reopens is two (and doesn't refill within the test): a device reconnecting in a loop, within
 * its own open budget, gets the share and then UNAVAILABLE with a retry hint, while a stream already open keeps
 * receiving and a device opening its first stream here gets in.
 */
@QuarkusTest
@TestProfile(StreamReopensLimitTest.SmallShare.class)
class StreamReopensLimitTest extends ServerTest {
    public static class SmallShare implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.edge.node-reopen-burst", "2", "courier.edge.node-reopen-refill", "1h");
        }
    }

    @Test
    void reopensBeyondTheNodesShareAreRefusedWhileOpenStreamsKeepWorkingAndFirstOpensGetIn() {
        Participant alice = participant();
        Participant bob = participant();
        RegisteredDevice churner = registerNew();
        try (RawStream honest = connect(bob)) {
            honest.drain();
            for (int open = 0; open < 3; open++) { // its first open, then the node's two reopens
                try (RawStream stream = new RawStream(channel, churner.authToken())) {
                    assertThat(stream.next(ConnectResponse.FrameCase.QUEUE_EMPTY).hasQueueEmpty()).isTrue();
                }
            }

            RawStream refused = new RawStream(channel, churner.authToken());
            Status status = refused.awaitClosed();
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).matches("too many reconnects on this server; retry in \\d+ s");
            assertThat(Long.parseLong(refused.trailers().get(RetryAfter.TRAILER))).isPositive();

            try (RawStream sender = connect(alice)) { // alice's first stream here: not a reopen
                sender.send(sendFrame(7, bob, new byte[] {1, 2, 3}));
                assertThat(honest.next(ConnectResponse.FrameCase.DELIVERY).getDelivery().getClientMessageId())
                        .as("the stream open all along still receives").isEqualTo(7);
            }
        }
    }
}
