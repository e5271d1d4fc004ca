package io.courier.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.courier.support.MockFcm;

/** The FCM HTTP v1 sender against a local FCM endpoint and OAuth2 token endpoint speaking Google's protocols. */
class FcmSenderTest {
    private static MockFcm fcm;
    private static FcmSender sender;

    @BeforeAll
    static void start() throws Exception {
        fcm = new MockFcm(Path.of("target", "fcm-sender-test"));
        sender = new FcmSender(fcm.serviceAccountFile(), Optional.empty(), fcm.endpoint(), Duration.ofSeconds(5),
                Duration.ofDays(1), new Retrying(Duration.ofSeconds(5), 3, Duration.ofMillis(10)));
    }

    @AfterAll
    static void stop() {
        sender.close();
        fcm.close();
    }

    static String token() {
        return "fcm-" + UUID.randomUUID() + ":APA91b" + UUID.randomUUID().toString().replace("-", "");
    }

    @Test
    void aWakeUpIsAContentFreeHighPriorityDataMessageAuthorisedByTheServiceAccount() {
        String token = token();

        WakeResult result = sender.wake(token).block();

        assertThat(result).isInstanceOf(WakeResult.Accepted.class);
        JsonNode message = fcm.acceptedFor(token).get(0).message();
        assertThat(message.path("android").path("priority").asText()).isEqualTo("HIGH");
        assertThat(message.path("android").path("collapse_key").asText()).isEqualTo(FcmSender.COLLAPSE_KEY);
        assertThat(message.path("android").path("ttl").asText()).isEqualTo("86400s");
        assertThat(message.has("notification")).isFalse();
        assertThat(message.path("data").size()).isEqualTo(1);
    }

    @Test
    void theAccessTokenIsFetchedOnceAndReused() {
        sender.wake(token()).block();
        int fetched = fcm.tokenRequests();

        sender.wake(token()).block();
        sender.wake(token()).block();

        assertThat(fcm.tokenRequests()).isEqualTo(fetched).isPositive();
    }

    @Test
    void anUnregisteredTokenIsReportedInvalid() {
        String token = token();
        fcm.unregister(token);

        WakeResult result = sender.wake(token).block();

        assertThat(result).isEqualTo(new WakeResult.InvalidToken("UNREGISTERED"));
    }

    @Test
    void unavailableAnswersAreRetriedWithBackoff() {
        String token = token();
        fcm.failNext(2);

        WakeResult result = sender.wake(token).block();

        assertThat(result).isInstanceOf(WakeResult.Accepted.class);
        assertThat(fcm.acceptedFor(token)).hasSize(1);
    }
}
