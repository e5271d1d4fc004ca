package io.courier.group;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.courier.common.Rejections;

/**
 * Who may change a group and how: pure functions from the state before to the state after, or a rejection with a
 * precise status. A change that changes nothing returns the state unchanged (same version: no event).
 */
final class MembershipRules {
    private final int maxMembers;

    MembershipRules(int maxMembers) {
        this.maxMembers = maxMembers;
    }

    GroupState create(UUID id, UUID creator, Collection<UUID> others, byte[] attributes, Instant now) {
        Set<UUID> everyone = new LinkedHashSet<>();
        everyone.add(creator);
        everyone.addAll(others);
        checkCap(everyone.size());
        List<GroupState.Member> members = new ArrayList<>();
        everyone.forEach(account -> members.add(new GroupState.Member(account, account.equals(creator), now)));
        return new GroupState(id, 1, attributes, members);
    }

    GroupState add(GroupState group, UUID caller, Collection<UUID> accounts, Instant now) {
        requireAdmin(group, caller, "add members");
        Set<UUID> current = group.memberIds();
        List<GroupState.Member> members = new ArrayList<>(group.members());
        new LinkedHashSet<>(accounts).stream().filter(a -> !current.contains(a))
                .forEach(a -> members.add(new GroupState.Member(a, false, now)));
        if (members.size() == group.members().size()) {
            return group;
        }
        checkCap(members.size());
        return group.next(members);
    }

    /** {@code caller} joins through an invite link: a member like any other; a member already changes nothing. */
    GroupState join(GroupState group, UUID caller, Instant now) {
        if (group.member(caller).isPresent()) {
            return group;
        }
        List<GroupState.Member> members = new ArrayList<>(group.members());
        members.add(new GroupState.Member(caller, false, now));
        checkCap(members.size());
        return group.next(members);
    }

    GroupState remove(GroupState group, UUID caller, Collection<UUID> accounts) {
        requireAdmin(group, caller, "remove members");
        if (accounts.contains(caller)) {
            throw Rejections.invalidArgument("you can't remove yourself; use LeaveGroup");
        }
        List<GroupState.Member> members = group.members().stream().filter(m -> !accounts.contains(m.account()))
                .toList();
        return members.size() == group.members().size() ? group : group.next(members);
    }

    GroupState promote(GroupState group, UUID caller, Collection<UUID> accounts) {
        requireAdmin(group, caller, "promote admins");
        return setAdmin(group, accounts, true);
    }

    GroupState demote(GroupState group, UUID caller, Collection<UUID> accounts) {
        requireAdmin(group, caller, "demote admins");
        GroupState after = setAdmin(group, accounts, false);
        if (after.members().stream().noneMatch(GroupState.Member::admin)) {
            throw Rejections.failedPrecondition("the last admin can't be demoted; promote another member first");
        }
        return after;
    }

    /**
     * The group after {@code caller} left: empty when it was the last member (the group goes). When the last admin
     * leaves, the longest-standing remaining member becomes admin.
     */
    Optional<GroupState> leave(GroupState group, UUID caller) {
        requireMember(group, caller);
        List<GroupState.Member> members = new ArrayList<>(group.members().stream()
                .filter(m -> !m.account().equals(caller)).toList());
        if (members.isEmpty()) {
            return Optional.empty();
        }
        if (members.stream().noneMatch(GroupState.Member::admin)) {
            members.set(0, members.get(0).withAdmin(true)); // sorted by seniority
        }
        return Optional.of(group.next(members));
    }

    void requireMember(GroupState group, UUID caller) {
        if (group.member(caller).isEmpty()) {
            throw Rejections.permissionDenied("you are not a member of this group");
        }
    }

    private static void requireAdmin(GroupState group, UUID caller, String what) {
        if (!group.isAdmin(caller)) {
            throw Rejections.permissionDenied("only admins of this group can " + what);
        }
    }

    private static GroupState setAdmin(GroupState group, Collection<UUID> accounts, boolean admin) {
        Set<UUID> current = group.memberIds();
        accounts.stream().filter(a -> !current.contains(a)).findFirst().ifPresent(a -> {
            throw Rejections.failedPrecondition("account " + a + " is not a member of this group");
        });
        boolean changes = group.members().stream().anyMatch(m -> accounts.contains(m.account()) && m.admin() != admin);
        if (!changes) {
            return group;
        }
        return group.next(group.members().stream()
                .map(m -> accounts.contains(m.account()) ? m.withAdmin(admin) : m).toList());
    }

    private void checkCap(int members) {
        if (members > maxMembers) {
            throw Rejections.failedPrecondition("a group has at most " + maxMembers + " members; this change would make "
                    + members);
        }
    }
}
