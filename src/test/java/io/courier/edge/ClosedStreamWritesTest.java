package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.courier.common.BoundedLog;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * gRPC Netty's WARNING for each stream a client closed while the node wrote to it is kept off the console (counted in
 * one bounded line a period, which says how many it stood for); other stream errors and other loggers' records are
 * not.
 */
class ClosedStreamWritesTest {
    private final ConsoleLogFilter console = new ConsoleLogFilter();

    private static LogRecord streamError(String logger, Http2Error kind) {
        LogRecord record = new LogRecord(Level.WARNING, "Stream Error");
        record.setLoggerName(logger);
        record.setThrown(Http2Exception.streamError(3, kind, "Stream closed before write could take place"));
        return record;
    }

    @Test
    void aWriteToAStreamTheClientClosedIsNotLoggedEachTime() {
        for (int i = 0; i < 1000; i++) {
            assertThat(console.isLoggable(streamError(ClosedStreamWrites.LOGGER, Http2Error.STREAM_CLOSED))).isFalse();
        }
    }

    @Test
    void theOneLineAPeriodSaysHowManyWereNotLogged() {
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        ClosedStreamWrites filter = new ClosedStreamWrites(new BoundedLog(capturing(lines),
                ClosedStreamWrites.SUMMARY_EVERY, 1, ClosedStreamWrites.SUMMARY_EVERY, nanos::get));
        for (int i = 0; i < 1000; i++) {
            filter.isLoggable(streamError(ClosedStreamWrites.LOGGER, Http2Error.STREAM_CLOSED));
        }
        assertThat(lines).as("the first one, then quiet for the period").hasSize(1);
        assertThat(lines.get(0)).contains("A client closed a stream").doesNotContain("suppressed");

        nanos.addAndGet(ClosedStreamWrites.SUMMARY_EVERY.toNanos());
        filter.isLoggable(streamError(ClosedStreamWrites.LOGGER, Http2Error.STREAM_CLOSED));

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("A client closed a stream", "(999 more like it suppressed)");
    }

    /** A logger that keeps each line it is asked to log. */
    private static Logger capturing(List<String> lines) {
        return new Logger("closed-stream-writes-test") {
            @Override
            protected void doLog(Logger.Level level, String loggerClassName, Object message, Object[] parameters,
                    Throwable thrown) {
                lines.add(String.valueOf(message));
            }

            @Override
            protected void doLogf(Logger.Level level, String loggerClassName, String format, Object[] parameters,
                    Throwable thrown) {
                lines.add(String.format(format, parameters));
            }

            @Override
            public boolean isEnabled(Logger.Level level) {
                return true;
            }
        };
    }

    @Test
    void otherStreamErrorsAndOtherLoggersStillPass() {
        assertThat(console.isLoggable(streamError(ClosedStreamWrites.LOGGER, Http2Error.PROTOCOL_ERROR))).isTrue();
        assertThat(console.isLoggable(streamError("io.courier.edge.FailureShield", Http2Error.STREAM_CLOSED)))
                .isTrue();
        LogRecord plain = new LogRecord(Level.WARNING, "Transport failed");
        plain.setLoggerName(ClosedStreamWrites.LOGGER);
        assertThat(console.isLoggable(plain)).isTrue();
    }
}
