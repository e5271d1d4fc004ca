package io.courier.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.courier.api.v1.MessagingServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/** A Connect stream that writes arbitrary bytes as frames, as a broken or hostile client would. */
public final class RawBytesStream {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> CONNECT =
            MessagingServiceGrpc.getConnectMethod().toBuilder(BYTES, BYTES).build();
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private RawBytesStream() {
    }

    /** Opens a stream, writes {@code frame} and returns the status the server closed the stream with. */
    public static Status sendAndAwaitClose(ManagedChannel channel, String authToken, byte[] frame) {
        ClientCall<byte[], byte[]> call = channel.newCall(CONNECT, CallOptions.DEFAULT);
        CompletableFuture<Status> closed = new CompletableFuture<>();
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + authToken);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, headers);
        call.request(Integer.MAX_VALUE);
        call.sendMessage(frame);
        try {
            return closed.orTimeout(15, TimeUnit.SECONDS).join();
        } finally {
            call.cancel("done", null);
        }
    }
}
