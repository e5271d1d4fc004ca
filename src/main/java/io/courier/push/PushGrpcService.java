package io.courier.push;

import static io.courier.common.Unis.uni;

import jakarta.inject.Provider;

import io.courier.api.v1.ClearPushTokenRequest;
import io.courier.api.v1.ClearPushTokenResponse;
import io.courier.api.v1.PushService;
import io.courier.api.v1.SetPushTokenRequest;
import io.courier.api.v1.SetPushTokenResponse;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** gRPC boundary of push token registration. */
@GrpcService
public class PushGrpcService implements PushService {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<PushRegistration> registration;

    PushGrpcService(Provider<PushRegistration> registration) {
        this.registration = registration;
    }

    @Override
    public Uni<SetPushTokenResponse> setPushToken(SetPushTokenRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registration.get().set(caller, request.getPlatform(), request.getToken())
                .thenReturn(SetPushTokenResponse.getDefaultInstance()));
    }

    @Override
    public Uni<ClearPushTokenResponse> clearPushToken(ClearPushTokenRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registration.get().clear(caller).thenReturn(ClearPushTokenResponse.getDefaultInstance()));
    }
}
