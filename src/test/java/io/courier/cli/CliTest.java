package io.courier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** The courier CLI driven like a person at two terminals, against the test node. */
@QuarkusTest
class CliTest extends ServerTest {
    private static final String NL = System.lineSeparator();

    @TempDir
    Path dir;

    private final String server = "127.0.0.1"
            + ":" + ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);

    private CliRun cli(String device, Map<String, String> env, String... command) {
        String[] args = new String[command.length + 6];
        args[0] = "--server";
        args[1] = server;
        args[2] = "--state";
        args[3] = dir.resolve(device + ".state").toString();
        args[4] = "--downloads";
        args[5] = dir.resolve(device + "-downloads").toString();
        System.arraycopy(command, 0, args, 6, command.length);
        return CliRun.start(env, args);
    }

    private CliRun cli(String device, String... command) {
        return cli(device, Map.of(), command);
    }

    /** Runs a command to its end and returns its screen; it must succeed. */
    private String run(String device, String... command) {
        CliRun run = cli(device, command);
        int exit = run.awaitExit();
        assertThat(exit).as(run.screen()).isZero();
        return run.screen();
    }

    /** register asks for the code that the SMS gateway (the test's capturing sender) received. */
    private String registerWithCli(String device) {
        String phone = randomPhoneNumber();
        CliRun run = cli(device, "register", phone, "--name", device);
        run.awaitOutput("Verification code sent to " + phone + ": ");
        run.type(verificationCodes.lastCodeFor(phone));
        assertThat(run.awaitExit()).as(run.screen()).isZero();
        assertThat(run.screen()).contains("Registered " + phone + ": account ").contains("device 1");
        return phone;
    }

    /** The 60 digits a safety-number screen shows. */
    private static String safetyNumber(String screen) {
        Matcher digits = Pattern.compile("Safety number with \\S+: ([\\d ]{71})").matcher(screen);
        assertThat(digits.find()).as(screen).isTrue();
        return digits.group(1);
    }

    @Test
    void twoTerminalsChatWithLiveTicksAndSendAFile() throws Exception {
        String alice = registerWithCli("alice");
        String bob = registerWithCli("bob");
        String carol = registerWithCli("carol");

        try (CliRun aliceChat = cli("alice", "chat", "--to", bob)) {
            aliceChat.awaitOutput("Chat with " + bob);
            // Bob is in another chat: the message is delivered (✓✓) but not read.
            try (CliRun bobWithCarol = cli("bob", "chat", "--to", carol)) {
                bobWithCarol.awaitOutput("Chat with " + carol);
                aliceChat.type("hello bob");
                aliceChat.awaitOutput("[1] you: hello bob  ✓" + NL);
                bobWithCarol.awaitOutput(": hello bob" + NL);
                aliceChat.awaitOutput("[1] ✓✓" + NL);
                bobWithCarol.type("/quit");
                assertThat(bobWithCarol.awaitExit()).isZero();
            }
            // Bob's chat with Alice is open, so what she sends now is read as soon as it is shown.
            try (CliRun bobChat = cli("bob", "chat", "--to", alice)) {
                bobChat.awaitOutput("Chat with " + alice);
                aliceChat.type("are you reading?");
                bobChat.awaitOutput(alice + ": are you reading?" + NL);
                aliceChat.awaitOutput("[2] ✓✓ read" + NL);

                // Every shown message has a number: Bob reacts to Alice's [1] here, her [2]; she edits and deletes it.
                bobChat.type("/react 1 👍");
                bobChat.awaitOutput("[1] you reacted 👍" + NL);
                aliceChat.awaitOutput("[2] " + bob + " reacted 👍" + NL);
                bobChat.type("/edit 1 are you not reading?");
                bobChat.awaitOutput("! not sent: only its author may edit a message" + NL);
                aliceChat.type("/edit 2 are you still reading?");
                aliceChat.awaitOutput("[2] you edited: are you still reading?" + NL);
                bobChat.awaitOutput("[1] edited: are you still reading?" + NL);
                aliceChat.type("/delete 2");
                bobChat.awaitOutput("[1] this message was deleted" + NL);
                aliceChat.type("/react 9 👍");
                aliceChat.awaitOutput("! not sent: no message [9] is shown here" + NL);

                Path notes = dir.resolve("notes.txt");
                Files.writeString(notes, "minutes of the meeting\n".repeat(1000));
                bobChat.type("/file " + notes + " the minutes");
                bobChat.awaitOutput("[2] you: 📎 notes.txt the minutes  ✓" + NL);
                aliceChat.awaitOutput(bob + ": 📎 notes.txt (" + Files.size(notes) + " bytes) the minutes" + NL);
                Path saved = dir.resolve("alice-downloads").resolve("notes.txt");
                aliceChat.awaitOutput("saved to " + saved + NL);
                assertThat(Files.readString(saved)).isEqualTo(Files.readString(notes));
                bobChat.awaitOutput("[2] ✓✓ read" + NL);

                // A second file of the same name never replaces the first: it is saved under its message id.
                Files.writeString(notes, "corrected minutes\n");
                bobChat.type("/file " + notes + " corrected");
                bobChat.awaitOutput("[3] ✓✓ read" + NL);
                Path downloads = saved.getParent();
                Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    try (var files = Files.list(downloads)) {
                        assertThat(files.map(f -> f.getFileName().toString()).toList()).hasSize(2)
                                .anyMatch(name -> name.matches("\\d+-notes\\.txt"));
                    }
                });
                assertThat(Files.readString(saved)).as("the first file is untouched")
                        .isEqualTo("minutes of the meeting\n".repeat(1000));

                bobChat.type("/quit");
                assertThat(bobChat.awaitExit()).isZero();
            }
            // Receipts reach a sender in the order they were made, so a read of [1] when Bob opened the chat would have
            // shown before [2]'s: the first message, shown while he was in another chat, stays unread.
            assertThat(aliceChat.screen()).doesNotContain("[1] ✓✓ read");
            aliceChat.type("/quit");
            assertThat(aliceChat.awaitExit()).isZero();
        }
        // What a one-shot command receives is shown too: Bob gets what Alice sent while he was offline.
        run("alice", "send", "--to", bob, "still there?");
        assertThat(run("bob", "send", "--to", alice, "yes")).contains(alice + ": still there?");
    }

    @Test
    void linkedDeviceSafetyNumbersGroupAndOperatorCommands() {
        String alice = registerWithCli("alice");
        String bob = registerWithCli("bob");

        Matcher key = Pattern.compile("Link key: (\\S+)").matcher(run("tablet", "link"));
        assertThat(key.find()).isTrue();
        Matcher code = Pattern.compile("Link code: (\\S+)").matcher(run("alice", "link-code", "--for", key.group(1)));
        assertThat(code.find()).isTrue();
        assertThat(run("tablet", "link", code.group(1), "--name", "tablet")).contains("device 2");
        assertThat(run("tablet", "whoami")).isEqualTo(run("alice", "whoami").replace("device 1", "device 2"));

        String aliceSees = safetyNumber(run("alice", "safety-number", "--with", bob));
        assertThat(safetyNumber(run("bob", "safety-number", "--with", alice))).isEqualTo(aliceSees);
        assertThat(safetyNumber(run("tablet", "safety-number", "--with", bob)))
                .as("the linked tablet presents the account's identity").isEqualTo(aliceSees);
        assertThat(run("alice", "verify", "--with", bob)).contains("Verified " + bob);
        assertThat(run("alice", "safety-number", "--with", bob)).contains("Trust: VERIFIED");

        Matcher group = Pattern.compile("Group (\\S+) created").matcher(run("alice", "group", "create", bob));
        assertThat(group.find()).isTrue();
        try (CliRun bobChat = cli("bob", "chat", "--group", group.group(1))) {
            bobChat.awaitOutput("Chat with group " + group.group(1));
            assertThat(run("alice", "send", "--group", group.group(1), "hi all"))
                    .as("the phone's first connect after the link shows it, with the way to undo it")
                    .contains("! a new device, \"tablet\" (device 2), was linked to this account at ")
                    .contains("not yours? run: courier revoke-device 2")
                    .contains("[1] you: hi all  ✓");
            bobChat.awaitOutput("[group " + group.group(1).substring(0, 8) + "] ");
            bobChat.awaitOutput(": hi all" + NL);
        }

        String token = ConfigProvider.getConfig().getValue("courier.admin.token", String.class);
        Map<String, String> operator = Map.of(AdminCommand.TOKEN_VARIABLE, token);
        CliRun nodes = cli("operator", operator, "admin", "nodes");
        assertThat(nodes.awaitExit()).as(nodes.screen()).isZero();
        assertThat(nodes.screen()).contains("OPEN STREAMS").contains("(answered)").containsPattern("\\d+ nodes, \\d+ open streams");

        CliRun noToken = cli("operator", "admin", "nodes");
        assertThat(noToken.awaitExit()).isEqualTo(1);
        assertThat(noToken.screen()).contains("set $COURIER_ADMIN_TOKEN");
        CliRun wrongToken = cli("operator", Map.of(AdminCommand.TOKEN_VARIABLE, token + "x"), "admin", "nodes");
        assertThat(wrongToken.awaitExit()).isEqualTo(1);
        assertThat(wrongToken.screen()).contains("error: UNAUTHENTICATED: wrong operator token").doesNotContain(token);

        CliRun revoke = cli("operator", operator, "admin", "revoke", "--phone", alice, "--device", "2");
        assertThat(revoke.awaitExit()).as(revoke.screen()).isZero();
        assertThat(revoke.screen()).contains("Revoked device 2 of account");
        CliRun revoked = cli("tablet", "group", "create", bob);
        assertThat(revoked.awaitExit()).isEqualTo(1);
        assertThat(revoked.screen()).contains("error: UNAUTHENTICATED");
    }

    @Test
    void aDisappearingTimerSetInOneChatExpiresMessagesOnBothSides() {
        String alice = registerWithCli("alice");
        String bob = registerWithCli("bob");
        try (CliRun aliceChat = cli("alice", "chat", "--to", bob); CliRun bobChat = cli("bob", "chat", "--to", alice)) {
            aliceChat.awaitOutput("Chat with " + bob);
            bobChat.awaitOutput("Chat with " + alice);
            aliceChat.type("/timer 2 days");
            aliceChat.awaitOutput("! not sent: use /timer N followed by s, m, h, d or w (30s, 8h, 7d), or /timer off"
                    + NL);

            aliceChat.type("/timer 2s");
            aliceChat.awaitOutput("* you set disappearing messages to 2s" + NL);
            bobChat.awaitOutput("* " + alice + " set disappearing messages to 2s (chat " + alice + ")" + NL);
            bobChat.type("gone soon");
            bobChat.awaitOutput("[1] you: gone soon  ✓" + NL);
            aliceChat.awaitOutput(bob + ": gone soon" + NL);
            aliceChat.awaitOutput("[1] disappeared" + NL);
            bobChat.awaitOutput("[1] disappeared" + NL);

            bobChat.type("/timer off");
            aliceChat.awaitOutput("* " + bob + " turned disappearing messages off (chat " + bob + ")" + NL);
            aliceChat.type("/quit");
            bobChat.type("/quit");
            assertThat(aliceChat.awaitExit()).isZero();
            assertThat(bobChat.awaitExit()).isZero();
        }
    }

    @Test
    void groupAddPolicyContactsAndInviteLinks() {
        String alice = registerWithCli("alice");
        String bob = registerWithCli("bob");
        String carol = registerWithCli("carol");
        Matcher created = Pattern.compile("Group (\\S+) created").matcher(run("alice", "group", "create", bob));
        assertThat(created.find()).isTrue();
        String group = created.group(1);

        assertThat(run("carol", "privacy", "group-adds", "contacts")).contains("Who may add you to groups: contacts");
        assertThat(run("carol", "privacy", "presence", "nobody")).contains("Who sees your online / last seen: nobody");
        CliRun refused = cli("alice", "group", "add", group, carol);
        assertThat(refused.awaitExit()).isEqualTo(1);
        assertThat(refused.screen()).contains("error: PERMISSION_DENIED");
        assertThat(run("carol", "privacy", "contacts", alice)).contains("Contacts: 1");
        assertThat(run("alice", "group", "add", group, carol)).contains(carol);
        assertThat(run("carol", "group", "leave", group)).contains("Left group " + group);

        assertThat(run("carol", "privacy", "group-adds", "nobody")).contains("nobody");
        Matcher link = Pattern.compile("Invite link: (courier://join/\\S+)").matcher(run("alice", "group",
                "invite-link", group));
        assertThat(link.find()).isTrue();
        assertThat(run("carol", "group", "join", link.group(1))).contains("Joined group " + group)
                .contains(" admin" + NL).contains("  you (");
        CliRun notAdmin = cli("bob", "group", "invite-link", group);
        assertThat(notAdmin.awaitExit()).isEqualTo(1);
        assertThat(notAdmin.screen()).contains("error: PERMISSION_DENIED");

        run("alice", "group", "revoke-link", group);
        registerWithCli("dave");
        CliRun revoked = cli("dave", "group", "join", link.group(1));
        assertThat(revoked.awaitExit()).isEqualTo(1);
        assertThat(revoked.screen()).contains("error: NOT_FOUND");
        CliRun garbled = cli("dave", "group", "join", "courier://join/not*base64");
        assertThat(garbled.awaitExit()).isEqualTo(1);
        assertThat(garbled.screen()).contains("is not an invite link");
        assertThat(run("alice", "group", "show", group).lines().filter(line -> line.startsWith("  ")))
                .as("alice, bob and carol").hasSize(3);
    }

    @Test
    void badInputIsNamed() {
        CliRun unknown = cli("nobody", "send", "--to", randomPhoneNumber(), "hi");
        assertThat(unknown.awaitExit()).isEqualTo(1);
        assertThat(unknown.screen()).contains("this device is not registered or linked yet");
        CliRun usage = cli("nobody", "send", "hi");
        assertThat(usage.awaitExit()).isEqualTo(2);
        assertThat(usage.screen()).contains("--to=<to> | --group=<group>");
        registerWithCli("carol");
        CliRun notANumber = cli("carol", "send", "--to", "alice", "hi");
        assertThat(notANumber.awaitExit()).isEqualTo(1);
        assertThat(notANumber.screen()).contains("'alice' is neither a phone number (+…) nor an account id");
    }

    @Test
    void thePrimaryRevokesADeviceItDoesntKnow() {
        String erin = registerWithCli("erin");
        Matcher key = Pattern.compile("Link key: (\\S+)").matcher(run("intruder", "link"));
        assertThat(key.find()).isTrue();
        Matcher code = Pattern.compile("Link code: (\\S+)").matcher(run("erin", "link-code", "--for", key.group(1)));
        assertThat(code.find()).isTrue();
        run("intruder", "link", code.group(1), "--name", "erin's laptop");

        assertThat(run("erin", "revoke-device", "2")).contains("Device 2 revoked.");
        CliRun revoked = cli("intruder", "group", "create", erin);
        assertThat(revoked.awaitExit()).isEqualTo(1);
        assertThat(revoked.screen()).contains("error: UNAUTHENTICATED");
        CliRun primaryOnly = cli("erin", "revoke-device", "1");
        assertThat(primaryOnly.awaitExit()).isEqualTo(1);
        assertThat(primaryOnly.screen()).contains("FAILED_PRECONDITION");
    }

    @Test
    void deleteAccountAsksForTheNumberThenTheDeviceIsGone() {
        String dave = registerWithCli("dave");
        CliRun unconfirmed = cli("dave", "delete-account");
        assertThat(unconfirmed.awaitExit()).isEqualTo(2);
        assertThat(unconfirmed.screen()).contains("--confirm=PHONE");
        CliRun wrongNumber = cli("dave", "delete-account", "--confirm", randomPhoneNumber());
        assertThat(wrongNumber.awaitExit()).isEqualTo(1);
        assertThat(wrongNumber.screen()).contains("FAILED_PRECONDITION: confirm_phone_number is not this account's");
        run("dave", "whoami");

        assertThat(run("dave", "delete-account", "--confirm", dave)).contains("Account deleted.");
        CliRun refused = cli("dave", "group", "create", dave);
        assertThat(refused.awaitExit()).isEqualTo(1);
        assertThat(refused.screen()).contains("error: UNAUTHENTICATED");
    }
}
