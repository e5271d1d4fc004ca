package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.SendAck;
import io.courier.support.ServerTest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Mono;

/** A send the server stored but whose SendAck never reached the app before it was restarted: 1:1 and to a group. */
@QuarkusTest
class ClientRestartTest extends ServerTest {
    @TempDir
    Path dir;

    /**
     * Takes the SendAck of the first 1:1 (or group) message off the stream before the client sees it, as if the app
     * died right after the server stored the message; the test gets it instead. Other frames pass. A channel over
     * the test's, not a {@code ClientInterceptor}: Quarkus's build warns about every interceptor class it finds
     * unregistered, test helpers too.
     */
    private static final class LostAck extends Channel {
        final CompletableFuture<SendAck> taken = new CompletableFuture<>();
        private final Channel next;
        private final boolean group;
        private final AtomicLong clientMessageId = new AtomicLong();

        LostAck(Channel next, boolean group) {
            this.next = next;
            this.group = group;
        }

        @Override
        public String authority() {
            return next.authority();
        }

        @Override
        public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void sendMessage(Q message) {
                    if (message instanceof ConnectRequest frame && frame.hasSend()) {
                        OutgoingMessage send = frame.getSend();
                        if (!(group ? send.getGroupId() : send.getRecipientAccountId()).isEmpty()) {
                            clientMessageId.compareAndSet(0, send.getClientMessageId());
                        }
                    }
                    super.sendMessage(message);
                }

                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(R message) {
                            if (message instanceof ConnectResponse frame && frame.hasSendAck()
                                    && frame.getSendAck().getClientMessageId() == clientMessageId.get()
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
        restartBetweenSendAndAck(false);
    }

    @Test
    void aGroupSendIsRestoredAndDeliveredOnceToo() throws Exception {
        restartBetweenSendAndAck(true);
    }

    private void restartBetweenSendAndAck(boolean toGroup) throws Exception {
        Path state = dir.resolve("alice.state");
        LostAck lostAck = new LostAck(channel, toGroup);
        try (ClientHarness bob = ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(),
                verificationCodes).online()) {
            UUID bobAccount = bob.client.credentials().accountId();
            UUID destination;
            CompletableFuture<SentMessage> firstRun;
            try (ClientHarness alice = ClientHarness.registered(lostAck,
                    ClientStore.file(state), randomPhoneNumber(), verificationCodes).online()) {
                destination = toGroup ? CourierClient.groupId(
                        alice.client.createGroup(List.of(bobAccount), new byte[0]).block()) : bobAccount;
                firstRun = send(alice.client, destination, toGroup, "across a restart").toFuture();
                lostAck.taken.get(20, TimeUnit.SECONDS);
            }
            assertThat(firstRun).as("closed before its ack").isCompletedExceptionally();
            SendAck ack = lostAck.taken.get();

            try (ClientHarness restarted = new ClientHarness(CourierClient.create(channel, ClientStore.file(state)))) {
                List<RestoredSend> restored = restarted.client.restoredSends();
                assertThat(restored).singleElement().satisfies(send -> {
                    assertThat(send.clientMessageId()).isEqualTo(ack.getClientMessageId());
                    assertThat(send.destination()).isEqualTo(destination);
                    assertThat(send.toGroup()).isEqualTo(toGroup);
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
                assertThat(received.group()).isEqualTo(toGroup ? Optional.of(destination) : Optional.empty());
                send(restarted.client, destination, toGroup, "after").block(Duration.ofSeconds(20));
                assertThat(text(bob.nextMessage())).as("nothing in between: the message came once").isEqualTo("after");
            }
            assertThat(new ClientStore(new FileStorage(state)).entries(UnsentMessages.PREFIX))
                    .as("acknowledged, so forgotten").isEmpty();
        }
    }

    private static Mono<SentMessage> send(CourierClient from, UUID destination, boolean toGroup, String text) {
        return toGroup ? from.sendToGroup(destination, text(text)) : from.send(destination, text(text));
    }
}
