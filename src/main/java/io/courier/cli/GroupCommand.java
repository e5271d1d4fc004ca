package io.courier.cli;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;

import io.courier.api.v1.Group;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.GroupRole;
import io.courier.client.CourierClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import reactor.core.publisher.Mono;

/** Group membership; messages go with {@code send --group}, {@code send-file --group} and {@code chat --group}. */
@Command(name = "group", description = "Create groups and change their members (up to 1024).",
        subcommands = { GroupCommand.Create.class, GroupCommand.Add.class, GroupCommand.Remove.class,
                GroupCommand.Show.class, GroupCommand.Leave.class })
final class GroupCommand {
    @ParentCommand
    CourierCli cli;

    @Command(name = "create", description = "A new group with you as its admin.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        GroupCommand group;

        @Parameters(paramLabel = "MEMBER", arity = "1..*", description = "phone numbers (+…) or account ids")
        List<String> members;

        @Override
        public Integer call() {
            try (Session session = group.cli.session()) {
                Group created = session.client.createGroup(members.stream().map(session::account).toList(),
                        new byte[0]).block();
                group.cli.terminal.println("Group " + CourierClient.groupId(created) + " created");
                print(session, created);
                return 0;
            }
        }
    }

    /** add / remove: a group and the accounts to change. */
    abstract static class Change implements Callable<Integer> {
        @ParentCommand
        GroupCommand group;

        @Parameters(index = "0", paramLabel = "GROUP")
        UUID groupId;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "MEMBER", description = "phone numbers or account ids")
        List<String> members;

        abstract BiFunction<UUID, List<UUID>, Mono<Group>> change(CourierClient client);

        @Override
        public Integer call() {
            try (Session session = group.cli.session()) {
                print(session, change(session.client).apply(groupId, members.stream().map(session::account).toList())
                        .block());
                return 0;
            }
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
    static final class Show implements Callable<Integer> {
        @ParentCommand
        GroupCommand group;

        @Parameters(paramLabel = "GROUP")
        UUID groupId;

        @Override
        public Integer call() {
            try (Session session = group.cli.session()) {
                print(session, session.client.getGroup(groupId).block());
                return 0;
            }
        }
    }

    @Command(name = "leave", description = "Leave a group.")
    static final class Leave implements Callable<Integer> {
        @ParentCommand
        GroupCommand group;

        @Parameters(paramLabel = "GROUP")
        UUID groupId;

        @Override
        public Integer call() {
            try (Session session = group.cli.session()) {
                session.client.leaveGroup(groupId).block();
                group.cli.terminal.println("Left group " + groupId);
                return 0;
            }
        }
    }

    private static void print(Session session, Group group) {
        for (GroupMember member : group.getMembersList()) {
            UUID account = WireIds.uuid(member.getAccountId());
            session.terminal().println("  " + session.name(account) + " (" + account + ")"
                    + (member.getRole() == GroupRole.GROUP_ROLE_ADMIN ? " admin" : ""));
        }
    }
}
