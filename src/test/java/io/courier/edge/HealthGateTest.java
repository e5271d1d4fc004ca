package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;

/** Health says nothing but NOT_SERVING until the node is ready, whatever the health service itself would say. */
class HealthGateTest {
    private final HealthGate gate = new HealthGate();
    /** Calls that reached the health service itself. */
    private final List<RecordingCall> started = new ArrayList<>();
    private final ServerCallHandler<HealthCheckRequest, HealthCheckResponse> service = (call, headers) -> {
        started.add((RecordingCall) call);
        return new ServerCall.Listener<>() {
        };
    };

    @Test
    void aCheckBeforeReadyIsAnsweredNotServingWithoutReachingTheService() {
        RecordingCall check = new RecordingCall(HealthGrpc.getCheckMethod());

        gate.interceptCall(check, new Metadata(), service);

        assertThat(started).isEmpty();
        assertThat(check.sent).extracting(HealthCheckResponse::getStatus).containsExactly(ServingStatus.NOT_SERVING);
        assertThat(check.closedWith).isEqualTo(Status.Code.OK);
    }

    @Test
    void aWatchBeforeReadyStartsOnceTheNodeIsReady() {
        RecordingCall watch = new RecordingCall(HealthGrpc.getWatchMethod());

        gate.interceptCall(watch, new Metadata(), service);
        assertThat(started).as("held until ready").isEmpty();
        assertThat(watch.sent).isEmpty();

        gate.open();

        assertThat(started).containsExactly(watch);
    }

    @Test
    void afterReadyEveryCallReachesTheService() {
        gate.open();
        RecordingCall check = new RecordingCall(HealthGrpc.getCheckMethod());

        gate.interceptCall(check, new Metadata(), service);

        assertThat(started).containsExactly(check);
        assertThat(check.sent).isEmpty();
    }

    /** A server call that records what the gate sends on it. */
    private static final class RecordingCall extends ServerCall<HealthCheckRequest, HealthCheckResponse> {
        private final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> method;
        final List<HealthCheckResponse> sent = new ArrayList<>();
        Status.Code closedWith;

        RecordingCall(MethodDescriptor<HealthCheckRequest, HealthCheckResponse> method) {
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(HealthCheckResponse message) {
            sent.add(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            closedWith = status.getCode();
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<HealthCheckRequest, HealthCheckResponse> getMethodDescriptor() {
            return method;
        }
    }
}
