package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.PushPlatform;
import io.courier.support.MockApns;
import io.courier.support.PushServers;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** The SDK's push token and typing APIs against a real node and a local APNs server. */
@QuarkusTest
class ClientWakeUpAndTypingTest extends ServerTest {
    PushServers push;

    private ClientHarness registered() {
        return ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    @Test
    void aBackgroundedAppIsWokenAndFindsTheMessageWhenItConnects() {
        String token = MockApns.randomToken();
        try (ClientHarness alice = registered().online(); ClientHarness bob = registered()) {
            bob.client.setPushToken(PushPlatform.PUSH_PLATFORM_APNS, token).block();

            alice.client.send(account(bob), text("wake up")).block();

            await().atMost(Duration.ofSeconds(15)).until(() -> push.apns().acceptedFor(token).size() == 1);
            bob.online();
            assertThat(text(bob.nextMessage())).isEqualTo("wake up");
        }
    }

    @Test
    void typingReachesThePeersTypingFlux() throws InterruptedException {
        try (ClientHarness alice = registered().online(); ClientHarness bob = registered().online()) {
            BlockingQueue<TypingIndicator> seen = new LinkedBlockingQueue<>();
            bob.client.typing().subscribe(seen::add);

            alice.client.typing(account(bob), true);

            assertThat(seen.poll(15, TimeUnit.SECONDS)).isEqualTo(new TypingIndicator(account(alice),
                    alice.client.credentials().deviceId(), Optional.empty(), true));
        }
    }
}
