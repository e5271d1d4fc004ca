package io.courier.group;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.google.protobuf.ByteString;

import io.courier.api.v1.Group;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.GroupRole;
import io.courier.common.Ids;

/** One group as stored: members longest-standing first. */
record GroupState(UUID id, long version, byte[] attributes, List<Member> members) implements Serializable {
    /** Longest-standing first; ties (members added together) by account id. */
    static final Comparator<Member> SENIORITY = Comparator.comparing(Member::joinedAt).thenComparing(Member::account);
    private static final int MEMBER_BYTES = 16 + 1 + 8;

    record Member(UUID account, boolean admin, Instant joinedAt) implements Serializable {
        Member withAdmin(boolean isAdmin) {
            return new Member(account, isAdmin, joinedAt);
        }
    }

    GroupState {
        members = members.stream().sorted(SENIORITY).toList();
    }

    Optional<Member> member(UUID account) {
        return members.stream().filter(m -> m.account().equals(account)).findFirst();
    }

    boolean isAdmin(UUID account) {
        return member(account).map(Member::admin).orElse(false);
    }

    Set<UUID> memberIds() {
        return members.stream().map(Member::account).collect(Collectors.toSet());
    }

    GroupState next(List<Member> newMembers) {
        return new GroupState(id, version + 1, attributes, newMembers);
    }

    Group toProto() {
        Group.Builder group = Group.newBuilder().setGroupId(Ids.bytes(id)).setVersion(version)
                .setEncryptedAttributes(ByteString.copyFrom(attributes));
        members.forEach(m -> group.addMembers(GroupMember.newBuilder().setAccountId(Ids.bytes(m.account()))
                .setRole(m.admin() ? GroupRole.GROUP_ROLE_ADMIN : GroupRole.GROUP_ROLE_MEMBER)
                .setJoinedAtMs(m.joinedAt().toEpochMilli())));
        return group.build();
    }

    /** The membership blob: per member its account id, an admin flag and when it joined. */
    static ByteBuffer encode(List<Member> members) {
        ByteBuffer out = ByteBuffer.allocate(members.size() * MEMBER_BYTES);
        for (Member m : members) {
            out.putLong(m.account().getMostSignificantBits()).putLong(m.account().getLeastSignificantBits())
                    .put((byte) (m.admin() ? 1 : 0)).putLong(m.joinedAt().toEpochMilli());
        }
        return out.flip();
    }

    static List<Member> decode(ByteBuffer blob) {
        ByteBuffer in = blob.duplicate();
        List<Member> members = new ArrayList<>(in.remaining() / MEMBER_BYTES);
        while (in.remaining() >= MEMBER_BYTES) {
            UUID account = new UUID(in.getLong(), in.getLong());
            boolean admin = in.get() == 1;
            members.add(new Member(account, admin, Instant.ofEpochMilli(in.getLong())));
        }
        return members;
    }
}
