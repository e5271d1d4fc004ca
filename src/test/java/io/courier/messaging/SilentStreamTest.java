package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.PresenceDirectory;
import io.courier.common.Ids;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Streams that stop talking are closed and their presence removed; pings keep a stream alive. */
@QuarkusTest
@TestProfile(SilentStreamTest.ShortPings.class)
class SilentStreamTest extends ServerTest {
    /** One-second ping interval, three silent intervals allowed: the rule of the real 60 s × 3, in seconds. */
    public static class ShortPings implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.edge.ping-interval", "1s", "courier.edge.silent-intervals", "3");
        }
    }

    @Inject
    PresenceDirectory presence;

    @Test
    void aSilentStreamIsClosedAndGoesOffline() {
        Participant bob = participant();
        DeviceAddress address = new DeviceAddress(Ids.uuid(bob.accountId(), "account"), bob.deviceId());
        RawStream stream = connect(bob);
        stream.drain();
        assertThat(presence.lookup(address).blockOptional()).isPresent();

        Status status = stream.awaitClosed();

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("ping");
        await().atMost(Duration.ofSeconds(5)).until(() -> presence.lookup(address).blockOptional().isEmpty());
    }

    @Test
    void aPingingStreamStaysOpen() {
        Participant bob = participant();
        try (RawStream stream = connect(bob)) {
            stream.drain();
            long until = System.nanoTime() + Duration.ofSeconds(6).toNanos(); // well past the 3 s silence limit
            while (System.nanoTime() < until) {
                assertThat(stream.sync()).as("only pongs").isEmpty(); // a ping round trip every iteration
            }
            assertThat(stream.sync()).isEmpty();
        }
    }
}
