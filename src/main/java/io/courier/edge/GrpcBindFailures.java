package io.courier.edge;

import java.net.BindException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.jboss.logging.Logger;

/**
 * Quarkus logs a gRPC port clash with its stack trace at ERROR and starts on without a gRPC server. This console
 * filter keeps the failure for {@link NodeReadiness}, which refuses the start with one actionable line, and moves
 * the trace to DEBUG. Every other record passes untouched. Part of {@link ConsoleLogFilter}.
 */
final class GrpcBindFailures implements Filter {
    private static final Logger LOG = Logger.getLogger(GrpcBindFailures.class);
    private static final String RECORDER = "io.quarkus.grpc.runtime.GrpcServerRecorder";
    /** Its verticle logs the failure once more, without the exception: the same clash. */
    private static final String BARE_LINE = "Unable to start the gRPC server";
    private static final AtomicReference<Throwable> LAST = new AtomicReference<>();

    /** The port clash that kept the gRPC server from listening, if one did. */
    static Throwable last() {
        return LAST.get();
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!RECORDER.equals(record.getLoggerName())) {
            return true;
        }
        if (record.getThrown() == null) {
            return !BARE_LINE.equals(record.getMessage());
        }
        if (!isBindFailure(record.getThrown())) {
            return true;
        }
        LAST.set(record.getThrown());
        LOG.debug("The gRPC server could not bind its port", record.getThrown());
        return false;
    }

    private static boolean isBindFailure(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }
}
