package io.courier.edge;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.net.SocketAddress;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Provider;

import org.jboss.logging.Logger;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.AdminServiceGrpc;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.cluster.StreamEpochs;
import io.courier.common.RetryAfter;
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
import reactor.core.publisher.Mono;

/**
 * Authenticates every Courier RPC from the {@code authorization: Bearer <token>} header, except registration and
 * device linking, which are how a device gets a token. AdminService calls carry the operator token instead of a
 * device's. Health and reflection stay open. A Connect call first spends one of its credential's stream opens
 * (cluster-wide, before any database read) and takes its connection epoch; a unary call's refused credential costs
 * its address ({@link UnaryCredentials}). Also records the client's address for
 * per-peer rate limits: the TCP peer, or the forwarded-for client behind a trusted proxy.
 */
@ApplicationScoped
@GlobalInterceptor
public class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> FORWARDED_FOR = Metadata.Key.of("x-forwarded-for",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Logger LOG = Logger.getLogger(AuthInterceptor.class);
    private static final String BEARER = "Bearer ";
    private static final String COURIER_PREFIX = "courier.";
    private static final Set<String> OPEN_METHODS = Set.of(
            AccountServiceGrpc.getRequestVerificationCodeMethod().getFullMethodName(),
            AccountServiceGrpc.getRegisterMethod().getFullMethodName(),
            AccountServiceGrpc.getLinkDeviceMethod().getFullMethodName());

    /** Resolved on first call: the gRPC server builds interceptors before the database session exists. */
    private static final String CONNECT = MessagingServiceGrpc.getConnectMethod().getFullMethodName();
    private static final String ADMIN_PREFIX = AdminServiceGrpc.SERVICE_NAME + "/";

    private final Provider<CredentialVerifier> verifier;
    private final Provider<StreamEpochs> epochs;
    private final Provider<RateLimiter> limiter;
    private final Provider<StreamMetrics> metrics;
    private final EdgeConfig config;
    private final ClientAddress clientAddress;
    private final OperatorToken operatorToken;
    private final RateLimit operatorCalls;
    private final OpeningStreams opening;
    private final UnaryCredentials unary;
    private final StreamReopens reopens;
    /** Where a stream open's checks start, apart from the event loop and the stream workers. */
    private final Executor openChecks;

    AuthInterceptor(Provider<CredentialVerifier> verifier, Provider<StreamEpochs> epochs, Provider<RateLimiter> limiter,
            Provider<StreamMetrics> metrics, EdgeConfig config, ClientAddress clientAddress, AdminConfig admin,
            OpeningStreams opening, EdgeWiring.OpenChecks openChecks) {
        this.verifier = verifier;
        this.epochs = epochs;
        this.limiter = limiter;
        this.metrics = metrics;
        this.config = config;
        this.clientAddress = clientAddress;
        this.operatorToken = new OperatorToken(admin.token());
        this.operatorCalls = admin.callsPerPeer();
        this.opening = opening;
        this.unary = new UnaryCredentials(verifier::get, limiter::get, config.failedAuthPerPeer(),
                config.unverifiedReadsPerPeer(), config.refusedCredentialsRemembered(), System::currentTimeMillis);
        this.reopens = StreamReopens.of(config);
        this.openChecks = task -> openChecks.scheduler().schedule(task);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Context base = Context.current().withValue(CallContext.PEER, peerAddress(call, headers));
        if (!method.startsWith(COURIER_PREFIX) || OPEN_METHODS.contains(method)) {
            return Contexts.interceptCall(base, call, headers, next);
        }
        if (method.startsWith(ADMIN_PREFIX)) {
            return operatorCall(call, headers, next, base);
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
        boolean stream = method.equals(CONNECT);
        CompletionStage<Context> checked = stream ? streamOpen(token, base, headers)
                : unary.verify(token, CallContext.PEER.get(base)).thenApply(device -> base.withValue(CallContext.DEVICE,
                        device));
        checked.whenComplete((context, error) -> {
            if (error == null) {
                try {
                    deferred.start(Contexts.interceptCall(context, call, headers, next));
                } catch (RuntimeException e) {
                    LOG.warnf("Starting %s failed: %s", method, e.toString());
                    if (stream) {
                        ConnectService.OPENING.get(context).release();
                    }
                    deferred.refuse();
                    call.close(Status.UNAVAILABLE.withDescription("server error; retry"), new Metadata());
                }
                return;
            }
            Status status = refuse(call, deferred, error, "could not check credentials; retry");
            if (stream) {
                metrics.get().openRefused(OpeningStreams.refusedAsFull(error) ? "waiting_full"
                        : status.getCode() == Status.Code.RESOURCE_EXHAUSTED ? "rate_limited"
                        : status.getCode() == Status.Code.UNAUTHENTICATED ? "unauthenticated" : "unavailable");
            }
        });
        return deferred;
    }

    /**
     * A stream open. Its epoch is taken here, in arrival order, once the header parses (a call without one costs no
     * id) but before any check: a stream whose checks were slow must not win over a newer one. Then the checks go to
     * a thread of their own at once ({@link EdgeWiring.OpenChecks}): the transport's event loop, which also reads
     * every frame of the streams already open on its connections, only decodes a storm's opens, and the stream
     * workers, which run those frames, never have a storm's checks queued ahead of them. There, the node's share of
     * reopens, then {@link #streamChecked}; the token digested once for both.
     */
    private CompletionStage<Context> streamOpen(String token, Context base, Metadata headers) {
        if (!opening.arriving()) { // the checks' thread's queue is bounded with the line
            return CompletableFuture.failedFuture(opening.fullRefusal());
        }
        Context context = ConnectService.streamContext(base, epochs.get().next(), headers);
        try {
            return CompletableFuture.supplyAsync(() -> {
                opening.arrived();
                String digest = digest(token);
                return reopens.admit(digest, () -> streamChecked(token, digest, context));
            }, openChecks).thenCompose(Function.identity());
        } catch (RejectedExecutionException stopping) { // the checks' thread is gone: the node is shutting down
            opening.arrived();
            return CompletableFuture.failedFuture(Status.UNAVAILABLE
                    .withDescription("this node is shutting down; reconnect to another node").asRuntimeException());
        }
    }

    /**
     * A stream's checks, all with a place among the opens in progress: the open rate (a grid call), then the
     * credential (a database read). Taking the place first bounds what a storm of opens has in the grid's and the
     * database's queues at once to the places' number, so the streams already open, whose frames share those
     * queues, never wait behind a whole storm's checks. The slot goes with the call's context to its stream, which
     * releases it (ConnectService.OPENING); a refused open, or one whose client gave up while it waited, releases it
     * here.
     */
    private CompletionStage<Context> streamChecked(String token, String digest, Context context) {
        return turn(context).thenCompose(slot -> {
            if (context.isCancelled()) {
                slot.release();
                return CompletableFuture.failedFuture(gaveUp());
            }
            CompletionStage<Context> checked;
            try {
                checked = streamOpenAllowed(digest).thenCompose(ok -> verifier.get().verify(token))
                        .thenApply(device -> context.withValues(CallContext.DEVICE, device, ConnectService.OPENING,
                                slot));
            } catch (RuntimeException e) { // a slot that no stage holds would never come back
                slot.release();
                return CompletableFuture.failedFuture(e);
            }
            return checked.whenComplete((started, error) -> {
                if (error != null) {
                    slot.release();
                }
            });
        });
    }

    /**
     * A place among the opening streams; a call cancelled while it waits leaves the line at once (its listener goes
     * when the wait ends, so an open stream's context keeps none).
     */
    private CompletableFuture<OpeningStreams.Slot> turn(Context context) {
        CompletableFuture<OpeningStreams.Slot> turn = opening.acquire();
        if (turn.isDone()) {
            return turn;
        }
        Context.CancellationListener giveUp = cancelled -> turn.completeExceptionally(gaveUp());
        context.addListener(giveUp, Runnable::run);
        turn.whenComplete((slot, error) -> context.removeListener(giveUp));
        return turn;
    }

    private static StatusRuntimeException gaveUp() {
        return Status.CANCELLED.withDescription("the client gave up while the open waited").asRuntimeException();
    }

    /**
     * Ends a call that was refused before it started: with the refusal's status and trailers, or UNAVAILABLE saying
     * {@code unavailable} when the check itself failed. Returns the status sent.
     */
    private static Status refuse(ServerCall<?, ?> call, DeferredListener<?> deferred, Throwable error,
            String unavailable) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
        Status status = cause instanceof StatusRuntimeException refused ? refused.getStatus()
                : Status.UNAVAILABLE.withDescription(unavailable);
        deferred.refuse();
        call.close(status, cause instanceof StatusRuntimeException refused && refused.getTrailers() != null
                ? refused.getTrailers() : new Metadata());
        return status;
    }

    /**
     * AdminService: the client's address spends one call of its cluster-wide budget, right token or wrong, before
     * the operator token is compared, so guessing it is as slow as the budget's refill.
     */
    private <Q, R> ServerCall.Listener<Q> operatorCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next, Context base) {
        DeferredListener<Q> deferred = new DeferredListener<>();
        limiter.get().acquire(operatorCalls, CallContext.PEER.get(base))
                .then(Mono.fromRunnable(() -> operatorToken.check(headers.get(AUTHORIZATION))))
                .toFuture().whenComplete((ok, error) -> {
                    if (error == null) {
                        deferred.start(Contexts.interceptCall(base, call, headers, next));
                        return;
                    }
                    refuse(call, deferred, error, "could not check the caller's budget; retry");
                });
        return deferred;
    }

    /**
     * Stream opens are limited per credential (cluster-wide) before the credential is checked, so a device that
     * keeps reopening costs one Hazelcast round trip per refused open and no database read. Keyed by a digest of the
     * whole token, not by the device it names: someone who only knows a device's id can't spend its budget.
     */
    private CompletionStage<Void> streamOpenAllowed(String digest) {
        return limiter.get().tryAcquire(config.streamOpens(), digest).map(waitMillis -> {
            if (waitMillis > 0) {
                throw RetryAfter.resourceExhausted("too many " + config.streamOpens().name(), waitMillis);
            }
            return waitMillis;
        }).then().toFuture();
    }

    static String digest(String token) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
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

    /** The client's address as per-peer limits key it (see {@link ClientAddress}). */
    private String peerAddress(ServerCall<?, ?> call, Metadata headers) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            Iterable<String> forwarded = headers.getAll(FORWARDED_FOR);
            List<String> hops = new ArrayList<>();
            if (forwarded != null) {
                forwarded.forEach(hops::add);
            }
            return clientAddress.key(inet.getAddress(), hops);
        }
        return String.valueOf(address);
    }
}
