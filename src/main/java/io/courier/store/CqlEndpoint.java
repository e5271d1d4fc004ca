package io.courier.store;

import java.net.InetSocketAddress;
import java.util.List;
import io.courier.common.ConfigRefusal;

/** Where to reach the CQL database: from configuration, or from the local infrastructure. */
public record CqlEndpoint(List<InetSocketAddress> contactPoints, String localDatacenter) {
    public static CqlEndpoint parse(List<String> hostPorts, String localDatacenter) {
        List<InetSocketAddress> points = hostPorts.stream().map(CqlEndpoint::parseOne).toList();
        return new CqlEndpoint(points, localDatacenter);
    }

    private static InetSocketAddress parseOne(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return InetSocketAddress.createUnresolved(hostPort, 9042);
        }
        try {
            return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new ConfigRefusal("courier.cql.contact-points: '" + hostPort + "' is not host:port", e);
        }
    }
}
