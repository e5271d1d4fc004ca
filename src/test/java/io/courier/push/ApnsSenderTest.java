package io.courier.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.courier.support.MockApns;

/** The APNs sender (Pushy) against a local server speaking APNs' HTTP/2 protocol with token authentication. */
class ApnsSenderTest {
    private static MockApns apns;
    private static ApnsSender sender;

    @BeforeAll
    static void start() throws Exception {
        apns = new MockApns(Path.of("target", "apns-sender-test"));
        sender = new ApnsSender(new ApnsSender.Settings("127.0.0.1", apns.port(), apns.signingKeyFile().toFile(),
                MockApns.TEAM_ID, MockApns.KEY_ID, MockApns.TOPIC, apns.certificate().toFile()),
                Duration.ofSeconds(5), Duration.ofDays(1), new Retrying(Duration.ofSeconds(5), 3,
                        Duration.ofMillis(10)), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        sender.close();
        apns.close();
    }

    @Test
    void aWakeUpIsAContentFreeCollapsibleAlertSignedWithTheProviderToken() {
        String token = MockApns.randomToken();

        WakeResult result = sender.wake(token).block();

        assertThat(result).isInstanceOf(WakeResult.Accepted.class);
        MockApns.Notification sent = apns.acceptedFor(token).get(0);
        assertThat(sent.headers()).containsEntry("apns-topic", MockApns.TOPIC)
                .containsEntry("apns-push-type", "alert").containsEntry("apns-priority", "10")
                .containsEntry("apns-collapse-id", ApnsSender.COLLAPSE_ID).containsKey("apns-expiration");
        // No sender, no text: the app's extension connects and fetches what to show.
        assertThat(sent.payload()).isEqualTo(ApnsSender.PAYLOAD);
    }

    @Test
    void anUnregisteredTokenIsReportedInvalid() {
        String token = MockApns.randomToken();
        apns.unregister(token);

        WakeResult result = sender.wake(token).block();

        assertThat(result).isEqualTo(new WakeResult.InvalidToken("Unregistered"));
    }

    @Test
    void unavailableAnswersAreRetriedWithBackoff() {
        String token = MockApns.randomToken();
        apns.failNext(2);

        WakeResult result = sender.wake(token).block();

        assertThat(result).isInstanceOf(WakeResult.Accepted.class);
        assertThat(apns.acceptedFor(token)).hasSize(1);
    }

    @Test
    void aServiceStillUnavailableAfterTheAttemptsIsAFailureNotAnInvalidToken() {
        String token = MockApns.randomToken();
        int before = apns.requests();
        apns.failNext(3);

        WakeResult result = sender.wake(token).block();

        assertThat(result).isInstanceOf(WakeResult.Failed.class);
        assertThat(((WakeResult.Failed) result).reason()).contains("503").contains("ServiceUnavailable");
        assertThat(apns.requests() - before).isEqualTo(3);
        assertThat(apns.acceptedFor(token)).isEmpty();
    }
}
