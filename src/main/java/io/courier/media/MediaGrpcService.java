package io.courier.media;

import static io.courier.common.Unis.uni;

import jakarta.inject.Provider;

import io.courier.api.v1.AbortMultipartUploadRequest;
import io.courier.api.v1.AbortMultipartUploadResponse;
import io.courier.api.v1.CompleteMultipartUploadRequest;
import io.courier.api.v1.CompleteMultipartUploadResponse;
import io.courier.api.v1.CreateUploadSlotRequest;
import io.courier.api.v1.CreateUploadSlotResponse;
import io.courier.api.v1.GetDownloadUrlRequest;
import io.courier.api.v1.GetDownloadUrlResponse;
import io.courier.api.v1.GetUploadPartUrlsRequest;
import io.courier.api.v1.GetUploadPartUrlsResponse;
import io.courier.api.v1.ListUploadedPartsRequest;
import io.courier.api.v1.ListUploadedPartsResponse;
import io.courier.api.v1.MediaService;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** gRPC boundary of media: the caller from the call context, the broker's pipelines as Unis. */
@GrpcService
public class MediaGrpcService implements MediaService {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<MediaBroker> broker;

    MediaGrpcService(Provider<MediaBroker> broker) {
        this.broker = broker;
    }

    @Override
    public Uni<CreateUploadSlotResponse> createUploadSlot(CreateUploadSlotRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> broker.get().createUploadSlot(caller, request));
    }

    @Override
    public Uni<GetUploadPartUrlsResponse> getUploadPartUrls(GetUploadPartUrlsRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> broker.get().getUploadPartUrls(caller, request));
    }

    @Override
    public Uni<ListUploadedPartsResponse> listUploadedParts(ListUploadedPartsRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> broker.get().listUploadedParts(caller, request.getObjectKey(), request.getUploadId()));
    }

    @Override
    public Uni<CompleteMultipartUploadResponse> completeMultipartUpload(CompleteMultipartUploadRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> broker.get().complete(caller, request)
                .thenReturn(CompleteMultipartUploadResponse.getDefaultInstance()));
    }

    @Override
    public Uni<AbortMultipartUploadResponse> abortMultipartUpload(AbortMultipartUploadRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> broker.get().abort(caller, request)
                .thenReturn(AbortMultipartUploadResponse.getDefaultInstance()));
    }

    @Override
    public Uni<GetDownloadUrlResponse> getDownloadUrl(GetDownloadUrlRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> broker.get().downloadUrl(caller, request.getObjectKey()));
    }
}
