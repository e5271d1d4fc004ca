package io.courier.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command run as this device: a session on its state file for the length of the command. */
abstract class DeviceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The top command with the global options, however deep this command is nested. */
    CourierCli cli;

    abstract void run(Session session) throws Exception;

    @Override
    public Integer call() throws Exception {
        cli = (CourierCli) spec.root().userObject();
        try (Session session = cli.session()) {
            run(session);
            return 0;
        }
    }
}
