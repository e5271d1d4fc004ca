package io.courier.presence;

import static io.courier.common.Unis.uni;

import jakarta.inject.Provider;

import io.courier.api.v1.BlockRequest;
import io.courier.api.v1.BlockResponse;
import io.courier.api.v1.GetPrivacyRequest;
import io.courier.api.v1.GetPrivacyResponse;
import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.PresenceVisibility;
import io.courier.api.v1.PrivacyService;
import io.courier.api.v1.SetContactsRequest;
import io.courier.api.v1.SetContactsResponse;
import io.courier.api.v1.SetGroupAddPolicyRequest;
import io.courier.api.v1.SetGroupAddPolicyResponse;
import io.courier.api.v1.SetLastSeenHiddenRequest;
import io.courier.api.v1.SetLastSeenHiddenResponse;
import io.courier.api.v1.SetPresenceVisibilityRequest;
import io.courier.api.v1.SetPresenceVisibilityResponse;
import io.courier.api.v1.UnblockRequest;
import io.courier.api.v1.UnblockResponse;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.courier.presence.Privacy.Audience;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/**
 * gRPC boundary of the block list, who sees the account's presence, who may add the account to groups, and its
 * contacts.
 */
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
                .setLastSeenHidden(privacy.presence() == Audience.NOBODY)
                .setPresenceVisibility(visibility(privacy.presence()))
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

    @Override
    public Uni<SetPresenceVisibilityResponse> setPresenceVisibility(SetPresenceVisibilityRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().showPresence(caller, audience(request.getVisibility()))
                .thenReturn(SetPresenceVisibilityResponse.getDefaultInstance()));
    }

    private static Audience groupAdds(GroupAddPolicy policy) {
        return switch (policy) {
            case GROUP_ADD_POLICY_EVERYONE -> Audience.EVERYONE;
            case GROUP_ADD_POLICY_CONTACTS -> Audience.CONTACTS;
            case GROUP_ADD_POLICY_NOBODY -> Audience.NOBODY;
            default -> throw Rejections.invalidArgument("policy must be EVERYONE, CONTACTS or NOBODY");
        };
    }

    private static Audience audience(PresenceVisibility visibility) {
        return switch (visibility) {
            case PRESENCE_VISIBILITY_EVERYONE -> Audience.EVERYONE;
            case PRESENCE_VISIBILITY_CONTACTS -> Audience.CONTACTS;
            case PRESENCE_VISIBILITY_NOBODY -> Audience.NOBODY;
            default -> throw Rejections.invalidArgument("visibility must be EVERYONE, CONTACTS or NOBODY");
        };
    }

    private static PresenceVisibility visibility(Audience audience) {
        return switch (audience) {
            case EVERYONE -> PresenceVisibility.PRESENCE_VISIBILITY_EVERYONE;
            case CONTACTS -> PresenceVisibility.PRESENCE_VISIBILITY_CONTACTS;
            case NOBODY -> PresenceVisibility.PRESENCE_VISIBILITY_NOBODY;
        };
    }

    private static GroupAddPolicy policy(Audience groupAdds) {
        return switch (groupAdds) {
            case EVERYONE -> GroupAddPolicy.GROUP_ADD_POLICY_EVERYONE;
            case CONTACTS -> GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS;
            case NOBODY -> GroupAddPolicy.GROUP_ADD_POLICY_NOBODY;
        };
    }

    /** The older API: hidden is NOBODY, shown EVERYONE (what "shown" meant when it was the only choice). */
    @Override
    @SuppressWarnings("deprecation")
    public Uni<SetLastSeenHiddenResponse> setLastSeenHidden(SetLastSeenHiddenRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> settings.get().showPresence(caller, request.getHidden() ? Audience.NOBODY : Audience.EVERYONE)
                .thenReturn(SetLastSeenHiddenResponse.getDefaultInstance()));
    }
}
