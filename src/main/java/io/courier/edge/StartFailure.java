package io.courier.edge;

import java.io.PrintStream;
import java.net.BindException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;


import io.courier.common.ConfigRefusal;
import io.courier.local.FreePorts;
import io.courier.store.CqlFailures;
import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.QuarkusBindException;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigValidationException;

/**
 * Ends a refused start with one actionable line at ERROR: what is wrong and which setting fixes it. Configuration
 * refusals, port clashes and a database that can't be used ({@link CqlFailures}) are an operator's to fix, so their
 * stack trace is printed only when io.courier logs at DEBUG; anything else is a bug and keeps its trace.
 */
final class StartFailure {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final String PREFIX = "Courier did not start: ";
    /** "... on 0.0.0.0:9464", "... bound: 9000": the port of a bind failure whose type doesn't carry it. */
    private static final Pattern PORT = Pattern.compile("[: ](\\d{1,5})\\b(?!.*[: ]\\d{1,5}\\b)");
    private static final int FREE_PORT_SEARCH = 100;

    private StartFailure() {
    }

    /** A port the node binds, with the setting that moves it. */
    record PortSetting(String property, String environment, String purpose, int port) {
    }

    /** What the explanation needs to know about this node's settings. */
    record Settings(List<PortSetting> ports, boolean embedded, boolean traceRefusals) {
        static Settings current() {
            try {
                Config config = ConfigProvider.getConfig();
                return new Settings(List.of(
                        port(config, "quarkus.grpc.server.port", "QUARKUS_GRPC_SERVER_PORT",
                                "gRPC, the port clients connect to", 9000),
                        port(config, "quarkus.management.port", "QUARKUS_MANAGEMENT_PORT",
                                "management: metrics and probes", 9000),
                        port(config, "courier.cluster.port", "COURIER_CLUSTER_PORT", "Hazelcast cluster member", 5701)),
                        config.getOptionalValue("courier.local.enabled", Boolean.class).orElse(false),
                        Stream.of("quarkus.log.level", "quarkus.log.category.\"io.courier\".level",
                                "quarkus.log.category.\"io.courier.edge\".level")
                                .flatMap(key -> config.getOptionalValue(key, String.class).stream())
                                .anyMatch(level -> level.equalsIgnoreCase("DEBUG") || level.equalsIgnoreCase("TRACE")
                                        || level.equalsIgnoreCase("ALL")));
            } catch (RuntimeException unreadable) {
                return new Settings(List.of(), false, false);
            }
        }

        private static PortSetting port(Config config, String property, String environment, String purpose,
                int fallback) {
            return new PortSetting(property, environment, purpose,
                    config.getOptionalValue(property, Integer.class).orElse(fallback));
        }
    }

    /**
     * The exit handler of {@link CourierMain}: reports a failed start, then exits as Quarkus would have. Quarkus
     * calls it after stopping, when the log handlers are closed, so the line goes to stderr in the console's shape.
     */
    static void exit(Integer code, Throwable failure) {
        try {
            if (failure != null) {
                report(failure, Settings.current(), System.err);
            }
        } catch (Throwable unreported) {
            // the exit matters more than the line: never let the report keep the node from exiting
            failure.printStackTrace();
        } finally {
            ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(code, failure);
        }
    }

    static void report(Throwable failure, Settings settings, PrintStream out) {
        Optional<String> line = explain(failure, settings, StartFailure::nextFreePort);
        out.println(LocalDateTime.now().format(TIME) + " ERROR [" + StartFailure.class.getName() + "] ("
                + Thread.currentThread().getName() + ") " + line.orElse(PREFIX + rootCause(failure)));
        if (line.isEmpty() || settings.traceRefusals()) {
            failure.printStackTrace(out);
        }
        out.flush();
    }

    /**
     * The line for a refusal an operator fixes (a setting, a port clash); empty for anything else.
     *
     * @param nextFree the first free port above the given one, or -1
     */
    static Optional<String> explain(Throwable failure, Settings settings, IntUnaryOperator nextFree) {
        for (Throwable t : causes(failure)) {
            if (t instanceof ConfigRefusal || t instanceof ConfigurationException
                    || t instanceof ConfigValidationException) {
                return Optional.of(PREFIX + oneLine(t.getMessage()));
            }
        }
        for (Throwable t : causes(failure)) {
            Optional<String> database = CqlFailures.explain(t, settings.embedded());
            if (database.isPresent()) {
                return database.map(line -> PREFIX + oneLine(line));
            }
        }
        return bindFailure(failure).map(clash -> portInUse(clash, failure, settings, nextFree));
    }

    private static Optional<BindException> bindFailure(Throwable failure) {
        for (Throwable t : causes(failure)) {
            if (t instanceof BindException bind) {
                return Optional.of(bind);
            }
        }
        return Optional.empty();
    }

    private static String portInUse(BindException clash, Throwable failure, Settings settings,
            IntUnaryOperator nextFree) {
        OptionalInt port = clash instanceof QuarkusBindException quarkus ? OptionalInt.of(quarkus.getPort())
                : portNamedIn(failure);
        Optional<PortSetting> setting = port.stream().boxed()
                .flatMap(p -> settings.ports().stream().filter(s -> s.port() == p)).findFirst();
        if (setting.isEmpty()) {
            return PREFIX + "a port it needs is in use by another process (" + oneLine(rootCause(failure))
                    + "); the ports are set with QUARKUS_GRPC_SERVER_PORT, QUARKUS_MANAGEMENT_PORT and"
                    + " COURIER_CLUSTER_PORT";
        }
        PortSetting s = setting.get();
        String fix = "stop that process or move this node with " + s.environment();
        int free = settings.embedded() ? nextFree.applyAsInt(s.port()) : -1;
        if (free > 0) {
            fix += " (" + s.environment() + "=" + free + " is free)";
        }
        return PREFIX + "port " + s.port() + " (" + s.property() + ", " + s.purpose()
                + ") is in use by another process; " + fix;
    }

    private static OptionalInt portNamedIn(Throwable failure) {
        for (Throwable t : causes(failure)) {
            Matcher m = PORT.matcher(String.valueOf(t.getMessage()));
            if (!(t instanceof BindException) && m.find()) {
                return OptionalInt.of(Integer.parseInt(m.group(1)));
            }
        }
        return OptionalInt.empty();
    }

    private static int nextFreePort(int taken) {
        return FreePorts.firstFreeAbove(taken, FREE_PORT_SEARCH).orElse(-1);
    }

    private static String rootCause(Throwable failure) {
        List<Throwable> chain = causes(failure);
        Throwable root = chain.get(chain.size() - 1);
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** The failure and its causes, outermost first; a cause seen before ends the chain (chains can loop). */
    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static String oneLine(String message) {
        return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
