package io.courier.edge;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * Keeps grpc.health.v1 from saying SERVING before the node is ready. Quarkus marks every service SERVING as soon
 * as the gRPC server listens, which is before the management interface is bound and before the last startup checks
 * ran; a probe must not send traffic to a node that is about to exit. Until {@link NodeReadiness} opens the gate, a
 * Check is answered NOT_SERVING here, and a Watch starts once the node is ready (its first message is then the real
 * status). Every other call is refused with UNAVAILABLE until then. Afterwards every call passes untouched, so the
 * drain's NOT_SERVING reaches checkers and watchers alike.
 */
@ApplicationScoped
@GlobalInterceptor
public class HealthGate implements ServerInterceptor {
    private static final HealthCheckResponse NOT_SERVING = HealthCheckResponse.newBuilder()
            .setStatus(ServingStatus.NOT_SERVING).build();

    private static final Status STARTING = Status.UNAVAILABLE.withDescription("the node is starting; retry shortly");

    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    void open() {
        ready.complete(null);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (ready.isDone()) {
            return next.startCall(call, headers);
        }
        if (!HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            // Before the node is ready its beans may still be being built: a call now would build them on a
            // transport or driver thread (blocking it, or failing on a synchronous prepare). Clients retry.
            call.close(STARTING, new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        if (call.getMethodDescriptor().getFullMethodName().equals(HealthGrpc.getCheckMethod().getFullMethodName())) {
            answerNotServing(call);
            return new ServerCall.Listener<>() {
            };
        }
        DeferredListener<Q> deferred = new DeferredListener<>();
        ready.thenRun(() -> deferred.start(next.startCall(call, headers)));
        return deferred;
    }

    @SuppressWarnings("unchecked") // a Check's response type is HealthCheckResponse
    private static <R> void answerNotServing(ServerCall<?, R> call) {
        call.sendHeaders(new Metadata());
        call.sendMessage((R) NOT_SERVING);
        call.close(Status.OK, new Metadata());
    }
}
