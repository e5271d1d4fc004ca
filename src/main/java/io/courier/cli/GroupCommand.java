package io.courier.cli;

import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;

import io.courier.api.v1.Group;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.GroupRole;
import io.courier.client.CourierClient;
import io.courier.client.WireIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import reactor.core.publisher.Mono;

/** Group membership; messages go with {@code send --group}, {@code send-file --group} and {@code chat --group}. */
@Command(name = "group", mixinStandardHelpOptions = true, description = "Create groups and change their members (up to 1024).",
        subcommands = { GroupCommand.Create.class, GroupCommand.Add.class, GroupCommand.Remove.class,
                GroupCommand.Show.class, GroupCommand.Leave.class, GroupCommand.InviteLink.class,
                GroupCommand.RevokeLink.class, GroupCommand.Join.class })
final class GroupCommand {
    @Command(name = "create", description = "A new group with you as its admin.")
    static final class Create extends DeviceCommand {
        @Parameters(paramLabel = "MEMBER", arity = "1..*", description = "phone numbers (+…) or account ids")
        List<String> members;

        @Override
        void run(Session session) {
            Group created = session.client.createGroup(members.stream().map(session::account).toList(), new byte[0])
                    .block();
            cli.terminal.println("Group " + CourierClient.groupId(created) + " created");
            print(session, created);
        }
    }

    /** A command on one group, named first. */
    abstract static class OnGroup extends DeviceCommand {
        @Parameters(index = "0", paramLabel = "GROUP")
        UUID groupId;
    }

    /** add / remove: a group and the accounts to change. */
    abstract static class Change extends OnGroup {
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "MEMBER", description = "phone numbers or account ids")
        List<String> members;

        abstract BiFunction<UUID, List<UUID>, Mono<Group>> change(CourierClient client);

        @Override
        void run(Session session) {
            print(session, change(session.client).apply(groupId, members.stream().map(session::account).toList())
                    .block());
        }
    }

    @Command(name = "add", description = "Add members (admins only).")
    static final class Add extends Change {
        @Override
        BiFunction<UUID, List<UUID>, Mono<Group>> change(CourierClient client) {
            return client::addMembers;
        }
    }

    @Command(name = "remove", description = "Remove members (admins only); your next message uses a new Sender Key.")
    static final class Remove extends Change {
        @Override
        BiFunction<UUID, List<UUID>, Mono<Group>> change(CourierClient client) {
            return client::removeMembers;
        }
    }

    @Command(name = "show", description = "The members of a group.")
    static final class Show extends OnGroup {
        @Override
        void run(Session session) {
            print(session, session.client.getGroup(groupId).block());
        }
    }

    @Command(name = "leave", description = "Leave a group.")
    static final class Leave extends OnGroup {
        @Override
        void run(Session session) {
            session.client.leaveGroup(groupId).block();
            cli.terminal.println("Left group " + groupId);
        }
    }

    @Command(name = "invite-link", description = "A new invite link (admins only); the one before stops working.")
    static final class InviteLink extends OnGroup {
        @Override
        void run(Session session) {
            byte[] token = session.client.createInviteLink(groupId).block();
            cli.terminal.println("Invite link: " + LINK + Base64.getUrlEncoder().withoutPadding().encodeToString(token));
            cli.terminal.println("Anyone with it can join with: group join LINK");
        }
    }

    @Command(name = "revoke-link", description = "The group's invite link stops working (admins only).")
    static final class RevokeLink extends OnGroup {
        @Override
        void run(Session session) {
            session.client.revokeInviteLink(groupId).block();
            cli.terminal.println("The invite link of group " + groupId + " no longer works");
        }
    }

    @Command(name = "join", description = "Join a group with its invite link.")
    static final class Join extends DeviceCommand {
        @Parameters(paramLabel = "LINK", description = "the link (" + LINK + "…) or just its token")
        String link;

        @Override
        void run(Session session) {
            String token = link.startsWith(LINK) ? link.substring(LINK.length()) : link;
            byte[] bytes;
            try {
                bytes = Base64.getUrlDecoder().decode(token);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + link + "' is not an invite link: its token is base64url");
            }
            Group joined = session.client.joinGroupByLink(bytes).block();
            cli.terminal.println("Joined group " + CourierClient.groupId(joined));
            print(session, joined);
        }
    }

    /** How invite links are shared (group.proto suggests this form). */
    static final String LINK = "courier://join/";

    private static void print(Session session, Group group) {
        for (GroupMember member : group.getMembersList()) {
            UUID account = WireIds.uuid(member.getAccountId());
            session.terminal().println("  " + session.name(account) + " (" + account + ")"
                    + (member.getRole() == GroupRole.GROUP_ROLE_ADMIN ? " admin" : ""));
        }
    }
}
