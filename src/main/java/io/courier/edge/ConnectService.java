package io.courier.edge;

import jakarta.inject.Provider;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.GetMessageStatusResponse;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.courier.messaging.DownFrames;
import io.courier.messaging.MessageStatuses;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;

/** gRPC boundary of messaging: the device stream and the status query. */
@GrpcService
public class ConnectService extends MessagingServiceGrpc.MessagingServiceImplBase {
    /** The connection epoch, taken when the call arrived (before its credentials were checked). */
    static final Context.Key<Long> EPOCH = Context.key("courier-stream-epoch");
    /** The request header by which a client asks for compact down-frames (messaging.proto). */
    static final Metadata.Key<String> FRAMES = Metadata.Key.of("courier-frames", Metadata.ASCII_STRING_MARSHALLER);
    /** The Connect call's slot among the streams this node is opening ({@link OpeningStreams}): its to release. */
    static final Context.Key<OpeningStreams.Slot> OPENING = Context.key("courier-stream-opening");
    /** The down-frames the client asked for with {@link #FRAMES}: compact or (any other value, or none) full. */
    static final Context.Key<DownFrames> FRAME_STYLE = Context.keyWithDefault("courier-frame-style", DownFrames.FULL);

    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<SessionRegistry> sessions;
    private final Provider<MessageStatuses> statuses;

    ConnectService(Provider<SessionRegistry> sessions, Provider<MessageStatuses> statuses) {
        this.sessions = sessions;
        this.statuses = statuses;
    }

    /** The Connect call's context: its epoch and the down-frames its client asked for. */
    static Context streamContext(Context base, long epoch, Metadata headers) {
        return base.withValues(EPOCH, epoch, FRAME_STYLE,
                "compact".equals(headers.get(FRAMES)) ? DownFrames.COMPACT : DownFrames.FULL);
    }

    /** As generated, except that Connect frames are read without throwing (see {@link FrameParser}). */
    @Override
    public ServerServiceDefinition bindService() {
        return FrameParser.applyTo(super.bindService());
    }

    @Override
    public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responses) {
        AuthenticatedDevice caller = CallContext.device();
        return sessions.get().open(caller, EPOCH.get(), FRAME_STYLE.get(),
                (ServerCallStreamObserver<ConnectResponse>) responses, OPENING.get()::release).start();
    }

    @Override
    public void getMessageStatus(GetMessageStatusRequest request, StreamObserver<GetMessageStatusResponse> responses) {
        AuthenticatedDevice caller = CallContext.device();
        statuses.get().of(caller.accountId(), request.getServerIdsList()).subscribe(found -> {
            responses.onNext(GetMessageStatusResponse.newBuilder().addAllStatuses(found).build());
            responses.onCompleted();
        }, error -> responses.onError(error instanceof StatusRuntimeException refused ? refused
                : Status.INTERNAL.withCause(error).asRuntimeException())); // the FailureShield answers it
    }
}
