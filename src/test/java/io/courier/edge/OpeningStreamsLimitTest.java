package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With one stream opening at a time, devices that open together wait their turn and all get in, none refused: each
 * stream gives its slot back at its QueueEmpty, not at the 10 s bound.
 */
@QuarkusTest
@TestProfile(OpeningStreamsLimitTest.OneAtATime.class)
class OpeningStreamsLimitTest extends ServerTest {
    /** The longest a stream keeps its slot without reaching QueueEmpty (DeviceStreams). */
    private static final Duration SLOT_BOUND = Duration.ofSeconds(10);

    public static class OneAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.edge.max-opening-streams", "1");
        }
    }

    @Test
    void streamsOpenedTogetherBeyondTheBoundAllReachQueueEmptyEachSlotFreedByItsStreamNotItsTimer() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tokens.add(registerNew().authToken());
        }
        List<RawStream> streams = new ArrayList<>();
        try {
            long start = System.nanoTime();
            tokens.forEach(token -> streams.add(new RawStream(channel, token)));
            for (RawStream stream : streams) {
                assertThat(stream.next(ConnectResponse.FrameCase.QUEUE_EMPTY).hasQueueEmpty()).isTrue();
            }
            // Held to the bound instead, the eight would need 70 s at least.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SLOT_BOUND);
        } finally {
            streams.forEach(RawStream::close);
        }
    }
}
