package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.support.LogCapture;
import io.courier.support.RawBytesStream;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.quarkus.test.junit.QuarkusTest;

/** A device writing bytes that are no ConnectRequest: refused precisely, cheaply, quietly, and nobody else notices. */
@QuarkusTest
class GarbageFramesTest extends ServerTest {
    private static final int STREAMS = 2000;

    @Inject
    MeterRegistry meters;

    @Test
    void undecodableFramesGetInvalidArgumentThenReopeningIsRateLimitedBeforeAnyDatabaseWork() {
        Participant abuser = participant();
        Participant alice = participant();
        Participant bob = participant();
        Map<Status.Code, Integer> statuses = new EnumMap<>(Status.Code.class);
        try (RawStream sender = connect(alice); RawStream receiver = connect(bob); LogCapture log = LogCapture.start()) {
            sender.next(ConnectResponse.FrameCase.QUEUE_EMPTY);
            receiver.next(ConnectResponse.FrameCase.QUEUE_EMPTY);

            Status first = RawBytesStream.sendAndAwaitClose(channel, abuser.device().authToken(), undecodable());
            assertThat(first.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(first.getDescription()).contains("not a valid ConnectRequest");

            double cqlBefore = cqlRequests();
            double rateLimitedBefore = counter("courier.stream.opens.refused", "reason", "rate_limited");
            double undecodableBefore = counter("courier.frames.refused", "reason", "undecodable");
            for (int i = 1; i <= STREAMS; i++) {
                Status status = RawBytesStream.sendAndAwaitClose(channel, abuser.device().authToken(), undecodable());
                statuses.merge(status.getCode(), 1, Integer::sum);
                if (i % 500 == 0) {
                    sender.send(sendFrame(i, bob, new byte[] {1, 2, 3}));
                    sender.next(ConnectResponse.FrameCase.SEND_ACK);
                    assertThat(receiver.next(ConnectResponse.FrameCase.DELIVERY).getDelivery().getClientMessageId())
                            .isEqualTo(i);
                }
            }
            // The stream-open budget (10, then one per 6 s) is spent within the first few opens; the rest are
            // refused before the credential lookup, so the database sees only the bystanders' traffic.
            assertThat(statuses.keySet()).containsOnly(Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED);
            assertThat(statuses.get(Status.Code.RESOURCE_EXHAUSTED)).isGreaterThan(STREAMS * 9 / 10);
            // A credential read per refused open would be at least 1,800 requests; the rest of the count is the
            // node's background work while the loop runs (577 once in 2.6 s on a slow machine), hence the margin.
            assertThat(cqlRequests() - cqlBefore).isLessThan(STREAMS / 2.0);
            assertThat(counter("courier.stream.opens.refused", "reason", "rate_limited") - rateLimitedBefore)
                    .isEqualTo(statuses.get(Status.Code.RESOURCE_EXHAUSTED).doubleValue());
            assertThat(counter("courier.frames.refused", "reason", "undecodable") - undecodableBefore)
                    .isEqualTo(statuses.get(Status.Code.INVALID_ARGUMENT).doubleValue());
            assertThat(log.stackTraces()).isZero();
            assertThat(log.bytes()).isLessThan(16 * 1024);
        }
    }

    /** Bytes protobuf can't parse: a truncated length-delimited field or a field with wire type 7, after noise. */
    private static byte[] undecodable() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] frame = new byte[2 + random.nextInt(64)];
        random.nextBytes(frame);
        frame[0] = (byte) (random.nextBoolean() ? 0x0F : 0x0A); // field 1: invalid wire type, or bytes…
        frame[1] = (byte) 0x7F; // …claiming 127 bytes when at most 64 follow
        return frame;
    }

    private double counter(String name, String tag, String value) {
        return meters.get(name).tag(tag, value).counter().count();
    }

    private double cqlRequests() {
        return Search.in(meters).name("courier.cql.requests").timers().stream().mapToDouble(t -> t.count()).sum();
    }
}
