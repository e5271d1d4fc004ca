package io.courier.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.courier.api.v1.MessagingServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/** The Connect method with frames as raw bytes, for clients that write what no real client would. */
public final class RawConnect {
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

    private RawConnect() {
    }

    /** A new Connect call, not yet started. */
    public static ClientCall<byte[], byte[]> newCall(Channel channel) {
        return channel.newCall(CONNECT, CallOptions.DEFAULT);
    }

    /** The headers that authenticate a call as the device with this token. */
    public static Metadata bearer(String authToken) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + authToken);
        return headers;
    }
}
