package io.courier.presence;

import static io.courier.common.Unis.uni;

import jakarta.inject.Provider;

import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.BlockResponse;
import io.courier.api.v1.GetPrivacyRequest;
import io.courier.api.v1.GetPrivacyResponse;
import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.PrivacyService;
import io.courier.api.v1.SetContactsRequest;
import io.courier.api.v1.SetContactsResponse;
import io.courier.api.v1.SetGroupAddPolicyRequest;
import io.courier.api.v1.SetGroupAddPolicyResponse;
import io.courier.api.v1.SetLastSeenHiddenRequest;
import io.courier.api.v1.SetLastSeenHiddenResponse;
import io.courier.api.v1.UnblockRequest;
import io.courier.api.v1.UnblockResponse;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** gRPC boundary of the block list, last-seen hiding, who may add the account to groups, and its contacts. */
@GrpcService
public class PrivacyGrpcService implements PrivacyService {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<PrivacySettings> settings;

    PrivacyGrpcService(Provider<PrivacySettings> settings) {
        this.settings = settings;
    }

    @Override
    public Uni<BlockResponse> block(BlockRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().block(caller, request.getAccountId())
                .thenReturn(BlockResponse.getDefaultInstance()));
    }

    @Override
    public Uni<UnblockResponse> unblock(UnblockRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().unblock(caller, request.getAccountId())
                .thenReturn(UnblockResponse.getDefaultInstance()));
    }

    @Override
    public Uni<GetPrivacyResponse> getPrivacy(GetPrivacyRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().get(caller).map(privacy -> GetPrivacyResponse.newBuilder()
                .addAllBlockedAccountIds(privacy.blocked().stream().map(Ids::bytes).toList())
                .setLastSeenHidden(privacy.lastSeenHidden())
                .setGroupAddPolicy(policy(privacy.groupAdds())).build()));
    }

    @Override
    public Uni<SetGroupAddPolicyResponse> setGroupAddPolicy(SetGroupAddPolicyRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().allowGroupAdds(caller, groupAdds(request.getPolicy()))
                .thenReturn(SetGroupAddPolicyResponse.getDefaultInstance()));
    }

    @Override
    public Uni<SetContactsResponse> setContacts(SetContactsRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().replaceContacts(caller, request.getAccountIdsList())
                .thenReturn(SetContactsResponse.getDefaultInstance()));
    }

    private static Privacy.GroupAdds groupAdds(GroupAddPolicy policy) {
        return switch (policy) {
            case GROUP_ADD_POLICY_EVERYONE -> Privacy.GroupAdds.EVERYONE;
            case GROUP_ADD_POLICY_CONTACTS -> Privacy.GroupAdds.CONTACTS;
            case GROUP_ADD_POLICY_NOBODY -> Privacy.GroupAdds.NOBODY;
            default -> throw Rejections.invalidArgument("policy must be EVERYONE, CONTACTS or NOBODY");
        };
    }

    private static GroupAddPolicy policy(Privacy.GroupAdds groupAdds) {
        return switch (groupAdds) {
            case EVERYONE -> GroupAddPolicy.GROUP_ADD_POLICY_EVERYONE;
            case CONTACTS -> GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS;
            case NOBODY -> GroupAddPolicy.GROUP_ADD_POLICY_NOBODY;
        };
    }

    @Override
    public Uni<SetLastSeenHiddenResponse> setLastSeenHidden(SetLastSeenHiddenRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().hideLastSeen(caller, request.getHidden())
                .thenReturn(SetLastSeenHiddenResponse.getDefaultInstance()));
    }
}
