package io.courier.edge;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.google.common.net.InetAddresses;

/**
 * The key per-peer limits use for a call: the TCP peer, or — only when the TCP peer is a configured trusted proxy —
 * the rightmost address in {@code x-forwarded-for} that is not itself a trusted proxy (hops further left were
 * written by the client and prove nothing). IPv6 addresses are keyed by their /64: one subscriber usually holds a
 * whole /64, so per-address limits would be trivial to dodge. Pure: no DNS, nothing but parsing.
 */
public final class ClientAddress {
    /** A CIDR block, e.g. 10.0.0.0/8 or 2001:db8::/32; a bare address is a /32 or /128. */
    public record Cidr(byte[] network, int prefix) {
        public static Cidr parse(String cidr) {
            String[] parts = cidr.trim().split("/", 2);
            InetAddress address = literal(parts[0]).orElseThrow(
                    () -> new IllegalArgumentException("not an IP address: " + cidr));
            byte[] bytes = address.getAddress();
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bytes.length * 8;
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("prefix out of range: " + cidr);
            }
            return new Cidr(bytes, prefix);
        }

        public boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit += 8) {
                int mask = prefix - bit >= 8 ? 0xFF : (0xFF << (8 - (prefix - bit))) & 0xFF;
                if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Cidr> trustedProxies;

    public ClientAddress(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /**
     * @param tcpPeer the connection's remote address
     * @param forwardedFor every {@code x-forwarded-for} header value in order (may be empty)
     */
    public String key(InetAddress tcpPeer, List<String> forwardedFor) {
        InetAddress client = tcpPeer;
        if (trusted(client)) {
            List<String> hops = forwardedFor.stream().flatMap(v -> Arrays.stream(v.split(","))).toList();
            for (int i = hops.size() - 1; i >= 0 && trusted(client); i--) {
                Optional<InetAddress> hop = literal(withoutPort(hops.get(i).trim()));
                if (hop.isEmpty()) {
                    break; // garbage: the last trusted hop is the best we know
                }
                client = hop.get();
            }
        }
        return keyOf(client);
    }

    private boolean trusted(InetAddress address) {
        return trustedProxies.stream().anyMatch(c -> c.contains(address));
    }

    /** IPv4 as is; IPv6 as its /64 ("2001:db8:1:2::/64"). IPv4-mapped IPv6 parses as IPv4. */
    static String keyOf(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddresses.toAddrString(InetAddress.getByAddress(prefix)) + "/64";
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }

    /** "1.2.3.4:443" and "[2001:db8::1]:443" as forwarded by some proxies; bare addresses unchanged. */
    private static String withoutPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end < 0 ? hop : hop.substring(1, end);
        }
        int colon = hop.indexOf(':');
        return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }

    /** An IP literal, never a DNS lookup. */
    private static Optional<InetAddress> literal(String text) {
        return InetAddresses.isInetAddress(text) ? Optional.of(InetAddresses.forString(text)) : Optional.empty();
    }
}
