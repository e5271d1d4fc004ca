package io.courier.cli;

import java.util.List;

import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.PresenceVisibility;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Who may add this account to groups and see its presence, and the contact list the server checks them against. */
@Command(name = "privacy", mixinStandardHelpOptions = true,
        description = "Who may add you to groups and see your online / last seen.",
        subcommands = { PrivacyCommand.GroupAdds.class, PrivacyCommand.ShowPresence.class,
            PrivacyCommand.Contacts.class })
final class PrivacyCommand {
    /** The policies as typed. */
    enum Who {
        everyone(GroupAddPolicy.GROUP_ADD_POLICY_EVERYONE, PresenceVisibility.PRESENCE_VISIBILITY_EVERYONE),
        contacts(GroupAddPolicy.GROUP_ADD_POLICY_CONTACTS, PresenceVisibility.PRESENCE_VISIBILITY_CONTACTS),
        nobody(GroupAddPolicy.GROUP_ADD_POLICY_NOBODY, PresenceVisibility.PRESENCE_VISIBILITY_NOBODY);

        final GroupAddPolicy policy;
        final PresenceVisibility visibility;

        Who(GroupAddPolicy policy, PresenceVisibility visibility) {
            this.policy = policy;
            this.visibility = visibility;
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

    @Command(name = "presence", description = "Who sees your online / last seen: everyone, contacts (the default; see"
            + " privacy contacts) or nobody. Both ways: you see only those who would see you.")
    static final class ShowPresence extends DeviceCommand {
        @Parameters(paramLabel = "WHO", description = "${COMPLETION-CANDIDATES}")
        Who who;

        @Override
        void run(Session session) {
            session.client.setPresenceVisibility(who.visibility).block();
            cli.terminal.println("Who sees your online / last seen: " + who);
        }
    }

    @Command(name = "contacts", description = "Replaces your contact list (for group-adds and presence contacts);"
            + " none clears it.")
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
