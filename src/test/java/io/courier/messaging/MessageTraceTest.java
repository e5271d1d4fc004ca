package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.ReceiptState;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.cluster.BusMessage;
import io.courier.cluster.ClusterConfig;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.Presence;
import io.courier.cluster.PresenceDirectory;
import io.courier.common.Ids;
import io.courier.common.MessageTracing;
import io.courier.store.Cql;
import io.courier.support.RawStream;
import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import reactor.core.scheduler.Schedulers;

/**
 * One message's trace across two real Hazelcast members: the node (the sender's stream; tracing on, every send
 * sampled) makes send, durable and push; a second member holds the recipient's mailbox with an SDK of its own that
 * samples nothing by itself, and still makes deliver and ack in the same trace because the queued copy carried the
 * message's context over the node bus. No span says anything of the payload, the phone numbers, the tokens or the
 * account ids.
 */
@QuarkusTest
@TestProfile(MessageTraceTest.Traced.class)
class MessageTraceTest extends ServerTest {
    public static class Traced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.traces.sampler.arg", "1.0",
                    "quarkus.otel.bsp.schedule.delay", "50ms");
        }
    }

    private static final AttributeKey<Long> SERVER_ID = AttributeKey.longKey("courier.server_id");

    @Inject
    InMemorySpanExporter nodeSpans;

    @Inject
    HazelcastInstance hazelcast;

    @Inject
    ClusterConfig cluster;

    @Inject
    MessagingConfig config;

    @Inject
    Cql cql;

    @Inject
    Messenger messenger;

    @Test
    void oneMessagesSpansOnTwoMembersShareOneTraceAndSayNothingOfItsContent() throws Exception {
        Participant alice = participant();
        Participant bob = participant();
        DeviceAddress bobsPhone = new DeviceAddress(Ids.uuid(bob.accountId(), "account"), bob.deviceId());
        String secret = "meet me at the old mill " + System.nanoTime();

        InMemorySpanExporter memberSpans = InMemorySpanExporter.create();
        SdkTracerProvider memberTracer = SdkTracerProvider.builder()
                .setSampler(Sampler.parentBased(Sampler.alwaysOff()))
                .addSpanProcessor(SimpleSpanProcessor.create(memberSpans)).build();
        HazelcastInstance member = SecondMember.join(hazelcast, cluster.name(),
                List.of(DeviceQueues.mapConfig(config.queueIdle()), HeldTicks.mapConfig()));
        ExecutorService serial = Executors.newSingleThreadExecutor();
        DeviceMailbox[] mailbox = new DeviceMailbox[1];
        try (RawStream a = connect(alice)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> hazelcast.getCluster().getMembers().size() == 2
                    && hazelcast.getPartitionService().isClusterSafe());
            MailboxTracing tracing = new MailboxTracing(
                    MessageTracing.of(OpenTelemetrySdk.builder().setTracerProvider(memberTracer).build()));
            List<InboxItem> delivered = new CopyOnWriteArrayList<>();
            MailboxOutlet outlet = new MailboxOutlet() {
                @Override
                public void deliver(InboxItem item) {
                    delivered.add(item);
                    mailbox[0].ack(List.of(item.serverId())).subscribe(); // like a phone that got it
                }

                @Override
                public void queueEmpty() {
                }

                @Override
                public void notDeliveredToYou(List<Long> serverIds) {
                }

                @Override
                public void failed(Throwable error) {
                }
            };
            // The second member's node: bob's stream is there, with its mailbox, presence and bus subscription.
            mailbox[0] = new DeviceMailbox(bobsPhone, new Presence(member.getCluster().getLocalMember().getUuid()
                    .toString(), 1), new DeviceQueues(member, new DeviceLog(cql),
                    new DeviceQueue.Limits(256, 1 << 20, config.hold().toMillis()), config.tickFlush(),
                    Clock.systemUTC()), tracing.settler(messenger), tracing.outlet(outlet),
                    new MailboxLimits(16, 1 << 20, 16, 4, Duration.ofSeconds(1)), Schedulers.parallel(), serial,
                    Clock.systemUTC(), depth -> { });
            new NodeBus(member).subscribeLocal(message -> {
                if (message instanceof BusMessage.Push push && push.target().equals(bobsPhone)) {
                    serial.execute(() -> mailbox[0].push((Queued) push.item()));
                }
            });
            new PresenceDirectory(member).register(bobsPhone, 1).block();
            serial.execute(mailbox[0]::start);
            a.drain();

            a.send(sendFrame(1, bob, secret.getBytes(StandardCharsets.UTF_8)));
            long serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
            assertThat(a.next(FrameCase.RECEIPT).getReceipt().getState())
                    .as("bob's member delivered and acked it").isEqualTo(ReceiptState.RECEIPT_STATE_DELIVERED);
            assertThat(delivered).extracting(InboxItem::serverId).containsExactly(serverId);

            SpanData send = await().atMost(Duration.ofSeconds(10)).until(
                    () -> nodeSpans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("courier.send")
                            && Long.valueOf(serverId).equals(s.getAttributes().get(SERVER_ID))).findFirst(),
                    found -> found.isPresent()).orElseThrow();
            String traceId = send.getTraceId();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(names(nodeSpans, traceId)).as("on the sender's node")
                        .containsExactlyInAnyOrder("courier.send", "courier.durable", "courier.push");
                assertThat(names(memberSpans, traceId)).as("on the recipient's member, in the same trace")
                        .containsExactlyInAnyOrder("courier.deliver", "courier.ack");
            });
            assertThat(send.getParentSpanContext().isValid()).as("each message is a trace of its own").isFalse();
            assertThat(Stream.concat(nodeSpans.getFinishedSpanItems().stream(), memberSpans.getFinishedSpanItems()
                    .stream()).filter(s -> s.getTraceId().equals(traceId) && s != send))
                    .as("every step hangs under the send, wherever it ran")
                    .allMatch(s -> s.getParentSpanId().equals(send.getSpanId()));
            assertThat(memberSpans.getFinishedSpanItems()).as("the member samples nothing of its own")
                    .allMatch(s -> s.getTraceId().equals(traceId));

            Set<String> forbidden = Set.of(secret, alice.device().phoneNumber(), bob.device().phoneNumber(),
                    alice.device().authToken(), bob.device().authToken(),
                    Ids.uuid(alice.accountId(), "account").toString(), bobsPhone.accountId().toString());
            List<String> written = Stream.concat(nodeSpans.getFinishedSpanItems().stream(),
                    memberSpans.getFinishedSpanItems().stream()).flatMap(MessageTraceTest::everythingSaid).toList();
            assertThat(nodeSpans.getFinishedSpanItems()).extracting(SpanData::getName)
                    .as("the unary RPCs that registered both phone numbers are traced too")
                    .contains("courier.v1.AccountService/RequestVerificationCode", "courier.v1.AccountService/Register");
            assertThat(written).noneMatch(text -> forbidden.stream().anyMatch(text::contains));
        } finally {
            serial.execute(() -> {
                if (mailbox[0] != null) {
                    mailbox[0].close(); // stops its rescan timer
                }
            });
            serial.shutdown();
            serial.awaitTermination(10, TimeUnit.SECONDS);
            member.shutdown(); // gracefully: its partitions move back before the next test's calls
            memberTracer.close();
        }
    }

    @Test
    void aClientsTraceHeaderIsIgnored() {
        String clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                "00-" + clientTrace + "-00f067aa0ba902b7-01");
        long before = rpcSpans("courier.v1.AccountService/RequestVerificationCode");

        anonymousAccounts().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .requestVerificationCode(RequestVerificationCodeRequest.newBuilder()
                        .setPhoneNumber(randomPhoneNumber()).build());

        await().atMost(Duration.ofSeconds(10))
                .until(() -> rpcSpans("courier.v1.AccountService/RequestVerificationCode") > before);
        assertThat(nodeSpans.getFinishedSpanItems()).as("the call is traced, in a trace of the node's own")
                .noneMatch(span -> span.getTraceId().equals(clientTrace));
    }

    private long rpcSpans(String name) {
        return nodeSpans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).count();
    }

    private static List<String> names(InMemorySpanExporter spans, String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId))
                .map(SpanData::getName).toList();
    }

    /** A span's name, attribute values, events and status: whatever it would tell a tracing backend. */
    private static Stream<String> everythingSaid(SpanData span) {
        Stream<String> attributes = span.getAttributes().asMap().values().stream().map(String::valueOf);
        Stream<String> events = span.getEvents().stream().flatMap(e -> Stream.concat(Stream.of(e.getName()),
                e.getAttributes().asMap().values().stream().map(String::valueOf)));
        return Stream.of(Stream.of(span.getName(), span.getStatus().getDescription()), attributes, events,
                span.getResource().getAttributes().asMap().values().stream().map(String::valueOf)).flatMap(s -> s);
    }
}
