package io.courier.store;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import javax.net.ssl.SSLException;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.auth.AuthenticationException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;

/**
 * What an operator can do about a database the node could not use at start: the driver's failures that are
 * deployment matters (addresses, credentials, TLS, replication), in one line that names the setting.
 */
public final class CqlFailures {
    private CqlFailures() {
    }

    /**
     * The explanation of {@code failure} itself (not its causes), or empty if it is none of these. It may span lines
     * (the driver's message does).
     *
     * @param embedded whether the node runs on the embedded default (its own local Cassandra)
     */
    public static Optional<String> explain(Throwable failure, boolean embedded) {
        if (failure instanceof UnavailableException u) {
            return Optional.of(tooFewReplicas(u));
        }
        if (!(failure instanceof AllNodesFailedException none)) {
            return Optional.empty();
        }
        Optional<UnavailableException> unavailable = nodeErrors(none).filter(UnavailableException.class::isInstance)
                .map(UnavailableException.class::cast).findFirst();
        if (unavailable.isPresent()) {
            return Optional.of(tooFewReplicas(unavailable.get()));
        }
        if (nodeErrors(none).anyMatch(e -> caused(e, AuthenticationException.class))) {
            return Optional.of("the database refused the credentials; check courier.cql.username and"
                    + " courier.cql.password (COURIER_CQL_USERNAME, COURIER_CQL_PASSWORD)");
        }
        if (nodeErrors(none).anyMatch(e -> caused(e, SSLException.class))) {
            return Optional.of("the TLS handshake with the database failed; check courier.cql.tls.* (truststore,"
                    + " hostname validation) against the nodes' certificates");
        }
        String where = embedded ? "the local Cassandra" : "courier.cql.contact-points (COURIER_CQL_CONTACT_POINTS)";
        return Optional.of("no database node answered; check " + where + " and that the nodes are up ("
                + none.getMessage() + ")");
    }

    private static String tooFewReplicas(UnavailableException u) {
        return "the database has " + u.getAlive() + " live replica(s) where " + u.getConsistencyLevel() + " needs "
                + u.getRequired() + "; the keyspace's replication (courier.cql.replication, used when the keyspace"
                + " is created) asks for more replicas than there are live database nodes: start the missing nodes,"
                + " or recreate the keyspace with a replication factor the cluster has";
    }

    private static Stream<Throwable> nodeErrors(AllNodesFailedException all) {
        return all.getAllErrors().values().stream().flatMap(List::stream);
    }

    /** Whether {@code error} or one of its first causes is a {@code type} (chains are short; this one can't loop). */
    private static boolean caused(Throwable error, Class<? extends Throwable> type) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
