package io.courier.cli;

import java.util.List;

import io.courier.api.v1.GroupAddPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Who may add this account to groups, and the contact list the server checks that against. */
@Command(name = "privacy", mixinStandardHelpOptions = true, description = "Who may add you to groups.",
        subcommands = { PrivacyCommand.GroupAdds.class, PrivacyCommand.Contacts.class })
final class PrivacyCommand {
    /** The policies as typed. */
    enum Who {
        everyone(GroupAddPolicy.GROUP_ADD_POLICY_EVERYONE), contacts(GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS),
        nobody(GroupAddPolicy.GROUP_ADD_POLICY_NOBODY);

        final GroupAddPolicy policy;

        Who(GroupAddPolicy policy) {
            this.policy = policy;
        }
    }

    @Command(name = "group-adds", description = "Who may add you to groups: everyone, contacts (see privacy contacts)"
            + " or nobody (then you join by invite link only).")
    static final class GroupAdds extends DeviceCommand {
        @Parameters(paramLabel = "WHO", description = "${COMPLETION-CANDIDATES}")
        Who who;

        @Override
        void run(Session session) {
            session.client.allowGroupAdds(who.policy).block();
            cli.terminal.println("Who may add you to groups: " + who);
        }
    }

    @Command(name = "contacts", description = "Replaces your contact list (for group-adds contacts); none clears it.")
    static final class Contacts extends DeviceCommand {
        @Parameters(paramLabel = "CONTACT", arity = "0..*", description = "phone numbers (+…) or account ids")
        List<String> contacts = List.of();

        @Override
        void run(Session session) {
            session.client.setContacts(contacts.stream().map(session::account).toList()).block();
            cli.terminal.println("Contacts: " + contacts.size());
        }
    }
}
