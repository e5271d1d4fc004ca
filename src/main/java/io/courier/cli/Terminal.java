package io.courier.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;

/** Where the CLI reads lines, prints, and finds its environment; tests give it pipes. */
public final class Terminal {
    private final BufferedReader in;
    private final PrintWriter out;
    private final Function<String, String> env;

    public Terminal(BufferedReader in, PrintWriter out, Function<String, String> env) {
        this.in = in;
        this.out = out;
        this.env = env;
    }

    static Terminal system() {
        return new Terminal(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true), System::getenv);
    }

    /** Prints the prompt and reads one line; empty at the end of input. */
    Optional<String> ask(String prompt) {
        synchronized (out) {
            out.print(prompt);
            out.flush();
        }
        return readLine();
    }

    Optional<String> readLine() {
        try {
            return Optional.ofNullable(in.readLine());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One whole line: lines printed from the client's threads never interleave. */
    void println(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    PrintWriter writer() {
        return out;
    }

    Optional<String> env(String name) {
        return Optional.ofNullable(env.apply(name)).filter(v -> !v.isBlank());
    }
}
