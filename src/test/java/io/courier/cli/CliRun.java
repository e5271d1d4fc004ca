package io.courier.cli;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One run of the CLI in its own thread, typed into and read like a terminal. */
final class CliRun implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String END = "\u0004";

    private final BlockingQueue<String> typed = new LinkedBlockingQueue<>();
    private final StringWriter screen = new StringWriter();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private CliRun(Map<String, String> env, String... args) {
        BufferedReader keyboard = new BufferedReader(Reader.nullReader()) {
            @Override
            public String readLine() {
                try {
                    String line = typed.take();
                    return line.equals(END) ? null : line;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        };
        Terminal terminal = new Terminal(keyboard, new PrintWriter(screen, true), env::get);
        Thread thread = new Thread(() -> {
            try {
                exit.complete(CourierCli.run(terminal, args));
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        }, "cli " + args[args.length - 1]);
        thread.setDaemon(true);
        thread.start();
    }

    static CliRun start(Map<String, String> env, String... args) {
        return new CliRun(env, args);
    }

    void type(String line) {
        typed.add(line);
    }

    /** Waits until the screen shows {@code text}; returns the whole screen. */
    String awaitOutput(String text) {
        try {
            await().atMost(WAIT).until(() -> screen.toString().contains(text) || exit.isDone());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the CLI did not show '" + text + "' within " + WAIT.toSeconds() + " s:\n"
                    + screen, e);
        }
        if (!screen.toString().contains(text)) {
            throw new AssertionError("the CLI ended without showing '" + text + "':\n" + screen);
        }
        return screen.toString();
    }

    int awaitExit() {
        try {
            return exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the CLI did not finish:\n" + screen, e);
        }
    }

    String screen() {
        return screen.toString();
    }

    /** Ends the input, like Ctrl-D. */
    @Override
    public void close() {
        type(END);
    }
}
