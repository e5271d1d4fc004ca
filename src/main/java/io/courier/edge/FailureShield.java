package io.courier.edge;

import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.courier.common.BoundedLog;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * The one place where failures of the server become what a client sees. A call closed with UNKNOWN or INTERNAL (an
 * exception nobody turned into a precise status: a database timeout, a bug) is answered UNAVAILABLE with a generic
 * message and a reference; the details go to the log under the same reference (bounded, without stack traces), never
 * to the client: exception texts name database nodes and internals. Deliberate statuses pass unchanged.
 */
@ApplicationScoped
@GlobalInterceptor
public class FailureShield implements ServerInterceptor {
    /** The trailer carrying the reference of a server error, also quoted in its message. */
    public static final Metadata.Key<String> ERROR_REF = Metadata.Key.of("courier-error-ref",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Logger LOG = Logger.getLogger(FailureShield.class);

    /** One line per failure kind and method a minute, twenty a second in all. */
    private final BoundedLog log = new BoundedLog(LOG, Duration.ofMinutes(1), 20, Duration.ofMillis(50));

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL) {
                    String ref = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
                    report(ref, call.getMethodDescriptor().getFullMethodName(), status);
                    trailers.put(ERROR_REF, ref);
                    super.close(Status.UNAVAILABLE.withDescription("server error; retry (ref " + ref + ")"), trailers);
                    return;
                }
                super.close(status, trailers);
            }
        }, headers);
    }

    private void report(String ref, String method, Status status) {
        Throwable cause = status.getCause() instanceof CompletionException wrapped && wrapped.getCause() != null
                ? wrapped.getCause() : status.getCause();
        String kind = cause == null ? status.getCode().name() : cause.getClass().getName();
        log.log(Logger.Level.WARN, method + '\u0000' + kind, () -> "Server error ref " + ref + " in " + method + ": "
                + (cause == null ? status : cause.toString()));
    }
}
