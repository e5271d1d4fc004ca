package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.SendAck;
import io.courier.support.ServerTest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.quarkus.test.junit.QuarkusTest;

/** A send the server stored but whose SendAck never reached the app, before the app was restarted. */
@QuarkusTest
class ClientRestartTest extends ServerTest {
    @TempDir
    Path dir;

    /**
     * Takes the first SendAck off the stream before the client sees it, as if the app died right after the server
     * stored its message; the test gets it instead.
     */
    private static final class LostAck implements ClientInterceptor {
        final CompletableFuture<SendAck> taken = new CompletableFuture<>();

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(R message) {
                            if (message instanceof ConnectResponse frame && frame.hasSendAck()
                                    && taken.complete(frame.getSendAck())) {
                                request(1); // the client asks per frame it reads: ask for the one it won't see
                                return;
                            }
                            super.onMessage(message);
                        }
                    }, headers);
                }
            };
        }
    }

    @Test
    void aRestartBetweenTheUsersSendAndTheSendAckStillDeliversExactlyOnce() throws Exception {
        Path state = dir.resolve("alice.state");
        LostAck lostAck = new LostAck();
        try (ClientHarness bob = ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(),
                verificationCodes).online()) {
            UUID bobAccount = bob.client.credentials().accountId();
            CompletableFuture<SentMessage> firstRun;
            try (ClientHarness alice = ClientHarness.registered(ClientInterceptors.intercept(channel, lostAck),
                    ClientStore.file(state), randomPhoneNumber(), verificationCodes).online()) {
                firstRun = alice.client.send(bobAccount, text("across a restart")).toFuture();
                lostAck.taken.get(20, TimeUnit.SECONDS);
            }
            assertThat(firstRun).as("closed before its ack").isCompletedExceptionally();
            SendAck ack = lostAck.taken.get();

            try (ClientHarness restarted = new ClientHarness(CourierClient.create(channel, ClientStore.file(state)))) {
                List<RestoredSend> restored = restarted.client.restoredSends();
                assertThat(restored).singleElement().satisfies(send -> {
                    assertThat(send.clientMessageId()).isEqualTo(ack.getClientMessageId());
                    assertThat(send.destination()).isEqualTo(bobAccount);
                    assertThat(send.toGroup()).isFalse();
                    assertThat(DataMessage.parseFrom(send.dataMessage()).getText()).isEqualTo("across a restart");
                });
                restarted.online();

                SentMessage sent = restored.get(0).outcome().block(Duration.ofSeconds(20));
                assertThat(sent.clientMessageId()).isEqualTo(ack.getClientMessageId());
                assertThat(sent.serverId()).as("the server answered the retry with the first attempt's id")
                        .isEqualTo(ack.getServerId());

                IncomingMessage received = bob.nextMessage();
                assertThat(text(received)).isEqualTo("across a restart");
                assertThat(received.serverId()).isEqualTo(ack.getServerId());
                restarted.client.send(bobAccount, text("after")).block(Duration.ofSeconds(20));
                assertThat(text(bob.nextMessage())).as("nothing in between: the message came once").isEqualTo("after");
            }
            assertThat(new ClientStore(new FileStorage(state)).entries(UnsentMessages.PREFIX)).as("acknowledged, so forgotten")
                    .isEmpty();
        }
    }
}
