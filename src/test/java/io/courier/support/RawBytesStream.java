package io.courier.support;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.courier.bench.RawConnect;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;

/** A Connect stream that writes arbitrary bytes as frames, as a broken or hostile client would. */
public final class RawBytesStream {
    private RawBytesStream() {
    }

    /** Opens a stream, writes {@code frame} and returns the status the server closed the stream with. */
    public static Status sendAndAwaitClose(ManagedChannel channel, String authToken, byte[] frame) {
        ClientCall<byte[], byte[]> call = RawConnect.newCall(channel);
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, RawConnect.bearer(authToken));
        call.request(Integer.MAX_VALUE);
        call.sendMessage(frame);
        try {
            return closed.orTimeout(15, TimeUnit.SECONDS).join();
        } finally {
            call.cancel("done", null);
        }
    }
}
