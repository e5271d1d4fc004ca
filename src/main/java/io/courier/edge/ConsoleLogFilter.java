package io.courier.edge;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/** The console's filter ({@code quarkus.log.console.filter} takes one): each of Courier's log filters in turn. */
@LoggingFilter(name = "courier-console")
public final class ConsoleLogFilter implements Filter {
    private final Filter[] filters = {new GrpcBindFailures(), new ClosedStreamWrites()};

    @Override
    public boolean isLoggable(LogRecord record) {
        for (Filter filter : filters) {
            if (!filter.isLoggable(record)) {
                return false;
            }
        }
        return true;
    }
}
