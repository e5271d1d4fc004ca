package io.courier.bench;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.MessagingServiceGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * One device's Connect stream as a well-behaved client drives it: it reads every down-frame, and writes are
 * serialised so a frame handler may answer on the stream from its very first frame.
 */
public final class DeviceLink {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private final StreamObserver<ConnectRequest> up;

    public DeviceLink(Channel channel, String authToken, BiConsumer<DeviceLink, ConnectResponse> onFrame) {
        synchronized (this) { // a handler's send() waits until up is set
            up = stub(channel, authToken).connect(new StreamObserver<>() {
                @Override
                public void onNext(ConnectResponse frame) {
                    onFrame.accept(DeviceLink.this, frame);
                }

                @Override
                public void onError(Throwable t) {
                    closed.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    closed.complete(Status.OK);
                }
            });
        }
    }

    /** A messaging stub that presents the device's bearer token. */
    static MessagingServiceGrpc.MessagingServiceStub stub(Channel channel, String authToken) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + authToken);
        return MessagingServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    public synchronized void send(ConnectRequest frame) {
        if (!closed.isDone()) {
            up.onNext(frame);
        }
    }

    /** Completes with the status the stream ended with (OK after a clean close). */
    public CompletableFuture<Status> closed() {
        return closed;
    }

    public synchronized void close() {
        if (closed.isDone()) {
            return;
        }
        try {
            up.onCompleted();
        } catch (IllegalStateException alreadyClosed) {
            // the server closed it first
        }
    }
}
