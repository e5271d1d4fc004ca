package io.courier.client;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.GroupServiceGrpc;
import io.courier.api.v1.KeyServiceGrpc;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.PrivacyServiceGrpc;
import io.courier.api.v1.PushServiceGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Unary calls on this device's behalf: each with its bearer token, run on a blocking scheduler (stubs are blocking),
 * and quiet once the client is closed.
 */
final class Calls {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Channel channel;
    private final Supplier<Credentials> credentials;
    private final Scheduler blocking = Schedulers.boundedElastic();
    private volatile boolean closed;

    Calls(Channel channel, Supplier<Credentials> credentials) {
        this.channel = channel;
        this.credentials = credentials;
    }

    /** The channel without credentials: for the calls that come before them (registration, linking). */
    Channel channel() {
        return channel;
    }

    /** Where blocking work of the client runs (encryption, repairs, calls). */
    Scheduler blocking() {
        return blocking;
    }

    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
    }

    /** The channel with this device's bearer token on every call. */
    Channel authenticated() {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + credentials.get().authToken());
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    <T> Mono<T> call(Callable<T> work) {
        return Mono.fromCallable(() -> {
            try {
                return work.call();
            } catch (Exception e) {
                if (closed) {
                    return null; // the client was closed under this call: complete empty, nobody is waiting
                }
                throw e;
            }
        }).subscribeOn(blocking);
    }

    AccountServiceGrpc.AccountServiceBlockingStub accounts() {
        return AccountServiceGrpc.newBlockingStub(authenticated());
    }

    GroupServiceGrpc.GroupServiceBlockingStub groups() {
        return GroupServiceGrpc.newBlockingStub(authenticated());
    }

    PrivacyServiceGrpc.PrivacyServiceBlockingStub privacy() {
        return PrivacyServiceGrpc.newBlockingStub(authenticated());
    }

    PushServiceGrpc.PushServiceBlockingStub push() {
        return PushServiceGrpc.newBlockingStub(authenticated());
    }

    KeyServiceGrpc.KeyServiceBlockingStub keys() {
        return KeyServiceGrpc.newBlockingStub(authenticated());
    }

    MessagingServiceGrpc.MessagingServiceBlockingStub messaging() {
        return MessagingServiceGrpc.newBlockingStub(authenticated());
    }
}
