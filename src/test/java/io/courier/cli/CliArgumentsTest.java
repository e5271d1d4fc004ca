package io.courier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine.ParseResult;

/** How the command line reads its arguments, without a server. */
class CliArgumentsTest {
    private final Terminal terminal = new Terminal(new BufferedReader(new StringReader("")),
            new PrintWriter(new StringWriter(), true), Map.<String, String>of()::get);

    @Test
    void aLinkCodeThatBeginsWithADashIsTheCodeNotAnOption() {
        ParseResult parsed = CourierCli.commandLine(terminal).parseArgs("link", "-B7xGTGYzHhNq", "--name", "tablet");

        LinkCommand link = (LinkCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(link.code).isEqualTo("-B7xGTGYzHhNq");
        assertThat(link.name).isEqualTo("tablet");
    }
}
