package io.courier.edge;

import static io.courier.common.Unis.uni;

import java.util.UUID;

import jakarta.inject.Provider;

import io.courier.account.AccountRegistry;
import io.courier.api.v1.AdminService;
import io.courier.api.v1.ListNodesRequest;
import io.courier.api.v1.ListNodesResponse;
import io.courier.api.v1.NodeInfo;
import io.courier.api.v1.RevokeAccountDeviceRequest;
import io.courier.api.v1.RevokeAccountDeviceResponse;
import io.courier.cluster.NodeDirectory;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import reactor.core.publisher.Mono;

/** Operator calls; {@link AuthInterceptor} has checked the operator token before any of them runs. */
@GrpcService
public class AdminGrpcService implements AdminService {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<AccountRegistry> accounts;
    private final Provider<NodeDirectory> nodes;

    AdminGrpcService(Provider<AccountRegistry> accounts, Provider<NodeDirectory> nodes) {
        this.accounts = accounts;
        this.nodes = nodes;
    }

    @Override
    public Uni<ListNodesResponse> listNodes(ListNodesRequest request) {
        return uni(() -> nodes.get().nodes().map(list -> {
            ListNodesResponse.Builder response = ListNodesResponse.newBuilder();
            list.forEach(node -> {
                NodeInfo.Builder info = NodeInfo.newBuilder().setMemberId(node.memberId())
                        .setAddress(node.address()).setLocal(node.local());
                node.openStreams().ifPresent(info::setOpenStreams);
                response.addNodes(info);
            });
            return response.build();
        }));
    }

    @Override
    public Uni<RevokeAccountDeviceResponse> revokeAccountDevice(RevokeAccountDeviceRequest request) {
        return uni(() -> account(request).flatMap(accountId -> accounts.get()
                .revokeAsOperator(accountId, request.getDeviceId())
                .thenReturn(RevokeAccountDeviceResponse.newBuilder().setAccountId(Ids.bytes(accountId)).build())));
    }

    private Mono<UUID> account(RevokeAccountDeviceRequest request) {
        return switch (request.getAccountCase()) {
            case ACCOUNT_ID -> Mono.fromSupplier(() -> Ids.uuid(request.getAccountId(), "account_id"));
            case PHONE_NUMBER -> accounts.get().findAccount(request.getPhoneNumber());
            case ACCOUNT_NOT_SET -> Mono.error(Rejections.invalidArgument("set account_id or phone_number"));
        };
    }
}
