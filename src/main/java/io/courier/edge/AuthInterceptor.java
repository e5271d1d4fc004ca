package io.courier.edge;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Provider;

import org.jboss.logging.Logger;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.cluster.ServerIds;
import io.courier.common.CallContext;
import io.courier.common.CredentialVerifier;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * Authenticates every Courier RPC from the {@code authorization: Bearer <token>} header, except registration and
 * device linking, which are how a device gets a token. Health and reflection stay open. Also records the peer
 * address for per-peer rate limits.
 */
@ApplicationScoped
@GlobalInterceptor
public class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Logger LOG = Logger.getLogger(AuthInterceptor.class);
    private static final String BEARER = "Bearer ";
    private static final String COURIER_PREFIX = "courier.";
    private static final Set<String> OPEN_METHODS = Set.of(
            AccountServiceGrpc.getRequestVerificationCodeMethod().getFullMethodName(),
            AccountServiceGrpc.getRegisterMethod().getFullMethodName(),
            AccountServiceGrpc.getLinkDeviceMethod().getFullMethodName());

    /** Resolved on first call: the gRPC server builds interceptors before the database session exists. */
    private static final String CONNECT = MessagingServiceGrpc.getConnectMethod().getFullMethodName();

    private final Provider<CredentialVerifier> verifier;
    private final Provider<ServerIds> epochs;

    AuthInterceptor(Provider<CredentialVerifier> verifier, Provider<ServerIds> epochs) {
        this.verifier = verifier;
        this.epochs = epochs;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Context base = Context.current().withValue(CallContext.PEER, peerAddress(call));
        // Taken now, not after the credential check: a stream whose check was slow must not win over a newer one.
        Context context = method.equals(CONNECT) ? base.withValue(ConnectService.EPOCH, epochs.get().next()) : base;
        if (!method.startsWith(COURIER_PREFIX) || OPEN_METHODS.contains(method)) {
            return Contexts.interceptCall(context, call, headers, next);
        }
        String token;
        try {
            token = bearerToken(headers.get(AUTHORIZATION));
        } catch (StatusRuntimeException e) {
            call.close(e.getStatus(), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        DeferredListener<Q> deferred = new DeferredListener<>();
        verifier.get().verify(token).whenComplete((device, error) -> {
            if (error == null) {
                try {
                    deferred.start(Contexts.interceptCall(context.withValue(CallContext.DEVICE, device), call,
                            headers, next));
                } catch (RuntimeException e) {
                    LOG.warnf("Starting %s failed: %s", method, e.toString());
                    deferred.refuse();
                    call.close(Status.UNAVAILABLE.withDescription("server error; retry"), new Metadata());
                }
                return;
            }
            Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
            Status status = cause instanceof StatusRuntimeException refused ? refused.getStatus()
                    : Status.UNAVAILABLE.withDescription("could not check credentials; retry");
            deferred.refuse();
            call.close(status, new Metadata());
        });
        return deferred;
    }

    private static String bearerToken(String header) {
        if (header == null || header.isBlank()) {
            throw Status.UNAUTHENTICATED
                    .withDescription("missing credentials: send the header 'authorization: Bearer <auth_token>'")
                    .asRuntimeException();
        }
        if (!header.startsWith(BEARER) || header.length() == BEARER.length()) {
            throw Status.UNAUTHENTICATED
                    .withDescription("malformed authorization header: expected 'Bearer <auth_token>'")
                    .asRuntimeException();
        }
        return header.substring(BEARER.length()).trim();
    }

    private static String peerAddress(ServerCall<?, ?> call) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }
}
