package io.courier.edge;

import java.time.Duration;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.jboss.logging.Logger;

import io.courier.common.BoundedLog;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * gRPC's Netty server logs a WARNING with a stack trace ("Stream Error … Stream closed before write could take
 * place") for every stream a client resets while the node still writes to it: one line per cancelled stream, so a
 * client decides how much is logged. Those records (stream errors of kind STREAM_CLOSED, which only a stream the
 * client already closed causes) become one line per ten minutes counting them; every other stream error, and every
 * other record, passes untouched.
 */
final class ClosedStreamWrites implements Filter {
    static final String LOGGER = "io.grpc.netty.NettyServerHandler";
    static final Duration SUMMARY_EVERY = Duration.ofMinutes(10);

    private final BoundedLog log;

    ClosedStreamWrites() {
        this(new BoundedLog(Logger.getLogger(ClosedStreamWrites.class), SUMMARY_EVERY, 1, SUMMARY_EVERY));
    }

    /** @param log where the summary line goes: one a key per {@link #SUMMARY_EVERY} (tests pass their own) */
    ClosedStreamWrites(BoundedLog log) {
        this.log = log;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!LOGGER.equals(record.getLoggerName())
                || !(record.getThrown() instanceof Http2Exception.StreamException error)
                || error.error() != Http2Error.STREAM_CLOSED) {
            return true;
        }
        log.log(Logger.Level.INFO, LOGGER, () -> "A client closed a stream this node was still writing to (gRPC"
                + " logs \"Stream closed before write could take place\"); harmless, and counted here instead of"
                + " logged each time");
        return false;
    }
}
