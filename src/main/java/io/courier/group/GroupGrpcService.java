package io.courier.group;

import static io.courier.common.Unis.uni;

import jakarta.inject.Provider;

import io.courier.api.v1.AddMembersRequest;
import io.courier.api.v1.AddMembersResponse;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.CreateGroupResponse;
import io.courier.api.v1.CreateInviteLinkRequest;
import io.courier.api.v1.CreateInviteLinkResponse;
import io.courier.api.v1.DemoteAdminsRequest;
import io.courier.api.v1.DemoteAdminsResponse;
import io.courier.api.v1.GetGroupRequest;
import io.courier.api.v1.GetGroupResponse;
import io.courier.api.v1.GroupService;
import io.courier.api.v1.JoinGroupByLinkRequest;
import io.courier.api.v1.JoinGroupByLinkResponse;
import io.courier.api.v1.LeaveGroupRequest;
import io.courier.api.v1.LeaveGroupResponse;
import io.courier.api.v1.PromoteAdminsRequest;
import io.courier.api.v1.PromoteAdminsResponse;
import io.courier.api.v1.RemoveMembersRequest;
import io.courier.api.v1.RemoveMembersResponse;
import io.courier.api.v1.RevokeInviteLinkRequest;
import io.courier.api.v1.RevokeInviteLinkResponse;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** gRPC boundary of groups: maps messages; the Reactor pipelines of {@link Groups} become Unis here. */
@GrpcService
public class GroupGrpcService implements GroupService {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<Groups> groups;
    private final Provider<InviteLinks> invites;

    GroupGrpcService(Provider<Groups> groups, Provider<InviteLinks> invites) {
        this.groups = groups;
        this.invites = invites;
    }

    @Override
    public Uni<CreateGroupResponse> createGroup(CreateGroupRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> groups.get().create(caller, request.getMemberAccountIdsList(), request.getEncryptedAttributes())
                .map(g -> CreateGroupResponse.newBuilder().setGroup(g.toProto()).build()));
    }

    @Override
    public Uni<AddMembersResponse> addMembers(AddMembersRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> groups.get().add(caller, request.getGroupId(), request.getAccountIdsList())
                .map(g -> AddMembersResponse.newBuilder().setGroup(g.toProto()).build()));
    }

    @Override
    public Uni<RemoveMembersResponse> removeMembers(RemoveMembersRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> groups.get().remove(caller, request.getGroupId(), request.getAccountIdsList())
                .map(g -> RemoveMembersResponse.newBuilder().setGroup(g.toProto()).build()));
    }

    @Override
    public Uni<PromoteAdminsResponse> promoteAdmins(PromoteAdminsRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> groups.get().promote(caller, request.getGroupId(), request.getAccountIdsList())
                .map(g -> PromoteAdminsResponse.newBuilder().setGroup(g.toProto()).build()));
    }

    @Override
    public Uni<DemoteAdminsResponse> demoteAdmins(DemoteAdminsRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> groups.get().demote(caller, request.getGroupId(), request.getAccountIdsList())
                .map(g -> DemoteAdminsResponse.newBuilder().setGroup(g.toProto()).build()));
    }

    @Override
    public Uni<LeaveGroupResponse> leaveGroup(LeaveGroupRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> groups.get().leave(caller, request.getGroupId())
                .thenReturn(LeaveGroupResponse.getDefaultInstance()));
    }

    @Override
    public Uni<GetGroupResponse> getGroup(GetGroupRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> groups.get().get(caller, request.getGroupId())
                .map(g -> GetGroupResponse.newBuilder().setGroup(g.toProto()).build()));
    }

    @Override
    public Uni<CreateInviteLinkResponse> createInviteLink(CreateInviteLinkRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> invites.get().create(caller, request.getGroupId())
                .map(token -> CreateInviteLinkResponse.newBuilder().setInviteToken(token).build()));
    }

    @Override
    public Uni<RevokeInviteLinkResponse> revokeInviteLink(RevokeInviteLinkRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> invites.get().revoke(caller, request.getGroupId())
                .thenReturn(RevokeInviteLinkResponse.getDefaultInstance()));
    }

    @Override
    public Uni<JoinGroupByLinkResponse> joinGroupByLink(JoinGroupByLinkRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> invites.get().join(caller, request.getInviteToken())
                .map(g -> JoinGroupByLinkResponse.newBuilder().setGroup(g.toProto()).build()));
    }
}
