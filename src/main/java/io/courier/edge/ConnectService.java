package io.courier.edge;

import jakarta.inject.Provider;

import io.courier.common.CallContext;
import io.courier.common.AuthenticatedDevice;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.GetMessageStatusResponse;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.cluster.DeviceAddress;
import io.courier.messaging.Messenger;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;

/** gRPC boundary of messaging: the device stream and the status query. */
@GrpcService
public class ConnectService extends MessagingServiceGrpc.MessagingServiceImplBase {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<SessionRegistry> sessions;
    private final Provider<Messenger> messenger;
    private final Provider<StreamWorkers> workers;

    ConnectService(Provider<SessionRegistry> sessions, Provider<Messenger> messenger,
            Provider<StreamWorkers> workers) {
        this.sessions = sessions;
        this.messenger = messenger;
        this.workers = workers;
    }

    @Override
    public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responses) {
        AuthenticatedDevice caller = CallContext.device();
        DeviceSession session = sessions.get().open(new DeviceAddress(caller.accountId(), caller.deviceId()),
                (ServerCallStreamObserver<ConnectResponse>) responses);
        session.start();
        return session;
    }

    @Override
    public void getMessageStatus(GetMessageStatusRequest request, StreamObserver<GetMessageStatusResponse> responses) {
        AuthenticatedDevice caller = CallContext.device();
        workers.get().execute(() -> {
            try {
                responses.onNext(GetMessageStatusResponse.newBuilder()
                        .addAllStatuses(messenger.get().status(caller.accountId(), request.getServerIdsList())).build());
                responses.onCompleted();
            } catch (StatusRuntimeException e) {
                responses.onError(e);
            } catch (RuntimeException e) {
                responses.onError(Status.UNAVAILABLE.withDescription("status lookup failed; retry").asRuntimeException());
            }
        });
    }
}
