package io.courier.cli;

/** {@code courier}: Courier from a terminal (bin/courier runs this with the built application's classpath). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(CourierCli.run(Terminal.system(), args));
    }
}
