package io.courier.keys;

import static io.courier.common.Unis.uni;

import com.google.protobuf.ByteString;

import jakarta.inject.Provider;

import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.GetPreKeyBundleResponse;
import io.courier.api.v1.GetPreKeyCountRequest;
import io.courier.api.v1.GetPreKeyCountResponse;
import io.courier.api.v1.KeyService;
import io.courier.api.v1.PreKey;
import io.courier.api.v1.PreKeyBundle;
import io.courier.api.v1.SignedPreKey;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.api.v1.UploadKeysResponse;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.courier.common.Ids;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** gRPC boundary of the key directory: maps messages; the directory's Reactor pipelines become Unis here. */
@GrpcService
public class KeyGrpcService implements KeyService {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<KeyDirectory> directory;

    KeyGrpcService(Provider<KeyDirectory> directory) {
        this.directory = directory;
    }

    @Override
    public Uni<UploadKeysResponse> uploadKeys(UploadKeysRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> directory.get().upload(caller, request)
                .map(counts -> UploadKeysResponse.newBuilder().setOneTimePreKeyCount(counts.oneTimePreKeys())
                        .setKyberPreKeyCount(counts.kyberPreKeys()).build()));
    }

    @Override
    public Uni<GetPreKeyCountResponse> getPreKeyCount(GetPreKeyCountRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> directory.get().counts(caller)
                .map(counts -> GetPreKeyCountResponse.newBuilder().setOneTimePreKeyCount(counts.oneTimePreKeys())
                        .setKyberPreKeyCount(counts.kyberPreKeys()).build()));
    }

    @Override
    public Uni<GetPreKeyBundleResponse> getPreKeyBundle(GetPreKeyBundleRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> directory.get()
                .fetchBundles(caller, Ids.uuid(request.getAccountId(), "account_id"), request.getDeviceId())
                .map(KeyGrpcService::toProto)
                .collectList()
                .map(bundles -> GetPreKeyBundleResponse.newBuilder().addAllBundles(bundles).build()));
    }

    private static PreKeyBundle toProto(PreKeyBundleView view) {
        DeviceKeys device = view.device();
        PreKeyBundle.Builder bundle = PreKeyBundle.newBuilder()
                .setDeviceId(device.deviceId())
                .setRegistrationId(device.registrationId())
                .setIdentityKey(ByteString.copyFrom(device.identityKey()))
                .setSignedPreKey(signed(device.signedPreKey()))
                .setKyberPreKey(signed(view.kyberPreKey()))
                .setKyberLastResort(view.kyberLastResort());
        view.oneTimePreKey().ifPresent(k -> bundle.setOneTimePreKey(
                PreKey.newBuilder().setKeyId(k.keyId()).setPublicKey(ByteString.copyFrom(k.publicKey()))));
        return bundle.build();
    }

    private static SignedPreKey signed(PublicPreKey key) {
        return SignedPreKey.newBuilder().setKeyId(key.keyId()).setPublicKey(ByteString.copyFrom(key.publicKey()))
                .setSignature(ByteString.copyFrom(key.signature())).build();
    }
}
