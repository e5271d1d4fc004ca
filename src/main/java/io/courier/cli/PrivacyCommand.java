package io.courier.cli;

import java.util.List;

import io.courier.api.v1.GroupAddPolicy;
import io.courier.api.v1.PresenceVisibility;
import io.courier.client.CourierClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import reactor.core.publisher.Mono;

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

    /** A setting that names who: everyone, contacts or nobody. */
    abstract static class AudienceSetting extends DeviceCommand {
        @Parameters(paramLabel = "WHO", description = "${COMPLETION-CANDIDATES}")
        Who who;

        /** Sets it; completes once the server has it. */
        abstract Mono<Void> set(CourierClient client, Who who);

        /** What the setting is, for the line that confirms it. */
        abstract String what();

        @Override
        void run(Session session) {
            set(session.client, who).block();
            cli.terminal.println(what() + ": " + who);
        }
    }

    @Command(name = "group-adds", description = "Who may add you to groups: everyone, contacts (see privacy contacts)"
            + " or nobody (then you join by invite link only).")
    static final class GroupAdds extends AudienceSetting {
        @Override
        Mono<Void> set(CourierClient client, Who who) {
            return client.allowGroupAdds(who.policy);
        }

        @Override
        String what() {
            return "Who may add you to groups";
        }
    }

    @Command(name = "presence", description = "Who sees your online / last seen: everyone, contacts (the default; see"
            + " privacy contacts) or nobody. Both ways: you see only those who would see you.")
    static final class ShowPresence extends AudienceSetting {
        @Override
        Mono<Void> set(CourierClient client, Who who) {
            return client.setPresenceVisibility(who.visibility);
        }

        @Override
        String what() {
            return "Who sees your online / last seen";
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
