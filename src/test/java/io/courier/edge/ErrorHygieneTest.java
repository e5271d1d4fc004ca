package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.support.FaultyCql;
import io.courier.support.LogCapture;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

/** Infrastructure failures reach clients as UNAVAILABLE with a reference, and their details only the log. */
@QuarkusTest
class ErrorHygieneTest extends ServerTest {
    private static final String NODE_ADDRESS = "10.9.8.7";

    @Inject
    FaultyCql cql;

    @Test
    void aFailedReadInAUnaryCallIsUnavailableWithAReferenceAndNoInternals() {
        Participant alice = participant();
        try (LogCapture log = LogCapture.start()) {
            cql.failNextRead(query -> query.contains("FROM receipts"));
            StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                    () -> withToken(MessagingServiceGrpc.newBlockingStub(channel), alice.device().authToken())
                            .getMessageStatus(GetMessageStatusRequest.newBuilder().addServerIds(42).build()));

            assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            String ref = error.getTrailers().get(FailureShield.ERROR_REF);
            assertThat(ref).matches("[0-9a-f]{8}");
            assertThat(error.getStatus().getDescription()).isEqualTo("server error; retry (ref " + ref + ")");
            assertThat(log.text()).anySatisfy(line -> assertThat(line).contains(ref).contains(NODE_ADDRESS)
                    .contains("GetMessageStatus"));
            assertThat(log.stackTraces()).isZero();
        }
    }

    @Test
    void aFailedWriteOnTheStreamClosesItUnavailableWithAReference() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream stream = connect(alice); LogCapture log = LogCapture.start()) {
            stream.next(ConnectResponse.FrameCase.QUEUE_EMPTY);
            cql.failNextWrite(query -> query.startsWith("INSERT INTO device_log"));
            stream.send(sendFrame(1, bob, new byte[] {1}));

            Status status = stream.awaitClosed();
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).startsWith("server error; retry (ref ").doesNotContain("injected");
            String ref = status.getDescription().replaceAll(".*ref ([0-9a-f]{8}).*", "$1");
            assertThat(log.text()).anySatisfy(line -> assertThat(line).contains(ref).contains("injected write failure"));
        }
    }
}
