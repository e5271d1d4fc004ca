package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

class ClientAddressTest {
    private static final ClientAddress BEHIND_PROXIES = new ClientAddress(List.of(
            ClientAddress.Cidr.parse("10.0.0.0/8"), ClientAddress.Cidr.parse("2001:db8:ffff::/48"),
            ClientAddress.Cidr.parse("192.0.2.1")));
    private static final ClientAddress NO_PROXIES = new ClientAddress(List.of());

    private static InetAddress ip(String literal) {
        return InetAddresses.forString(literal);
    }

    @Test
    void cidrsMatchByPrefix() {
        ClientAddress.Cidr ten = ClientAddress.Cidr.parse("10.0.0.0/8");
        assertThat(ten.contains(ip("10.255.1.2"))).isTrue();
        assertThat(ten.contains(ip("11.0.0.1"))).isFalse();
        ClientAddress.Cidr odd = ClientAddress.Cidr.parse("172.16.0.0/12");
        assertThat(odd.contains(ip("172.31.255.255"))).isTrue();
        assertThat(odd.contains(ip("172.32.0.0"))).isFalse();
        ClientAddress.Cidr v6 = ClientAddress.Cidr.parse("2001:db8::/32");
        assertThat(v6.contains(ip("2001:db8:1::1"))).isTrue();
        assertThat(v6.contains(ip("2001:db9::1"))).isFalse();
        assertThat(v6.contains(ip("10.0.0.1"))).as("IPv4 never matches an IPv6 block").isFalse();
        assertThat(ClientAddress.Cidr.parse("192.0.2.1").contains(ip("192.0.2.2"))).as("a bare address is a /32")
                .isFalse();
        assertThat(ClientAddress.Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
    }

    @Test
    void badCidrsFailAtStartupNotAtTheFirstCall() {
        assertThatThrownBy(() -> ClientAddress.Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientAddress.Cidr.parse("proxy.example.com"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ipv4PeersAreKeyedAsTheyAre() {
        assertThat(NO_PROXIES.key(ip("203.0.113.7"), List.of())).isEqualTo("203.0.113.7");
        assertThat(NO_PROXIES.key(ip("::ffff:203.0.113.7"), List.of())).as("IPv4-mapped").isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6PeersAreKeyedPerSlash64() {
        assertThat(NO_PROXIES.key(ip("2001:db8:1:2:aaaa::1"), List.of())).isEqualTo("2001:db8:1:2::/64");
        assertThat(NO_PROXIES.key(ip("2001:db8:1:2:bbbb::9"), List.of())).isEqualTo("2001:db8:1:2::/64");
        assertThat(NO_PROXIES.key(ip("2001:db8:1:3::1"), List.of())).isEqualTo("2001:db8:1:3::/64");
    }

    @Test
    void forwardedForFromAnUntrustedPeerIsIgnored() {
        assertThat(NO_PROXIES.key(ip("203.0.113.7"), List.of("198.51.100.1"))).isEqualTo("203.0.113.7");
        assertThat(BEHIND_PROXIES.key(ip("203.0.113.7"), List.of("198.51.100.1, 10.0.0.1")))
                .isEqualTo("203.0.113.7");
    }

    @Test
    void behindTrustedProxiesTheRightmostUntrustedHopIsTheClient() {
        assertThat(BEHIND_PROXIES.key(ip("10.0.0.5"), List.of("198.51.100.1"))).isEqualTo("198.51.100.1");
        // The client wrote "1.1.1.1" itself; the trusted proxy appended what it saw.
        assertThat(BEHIND_PROXIES.key(ip("10.0.0.5"), List.of("1.1.1.1, 198.51.100.1, 10.1.1.1")))
                .isEqualTo("198.51.100.1");
        assertThat(BEHIND_PROXIES.key(ip("10.0.0.5"), List.of("1.1.1.1", "198.51.100.1, 192.0.2.1")))
                .as("several header values are one list").isEqualTo("198.51.100.1");
        assertThat(BEHIND_PROXIES.key(ip("10.0.0.5"), List.of("198.51.100.1:4711"))).as("with a port")
                .isEqualTo("198.51.100.1");
        assertThat(BEHIND_PROXIES.key(ip("2001:db8:ffff::1"), List.of("[2001:db8:5:6::7]:443")))
                .isEqualTo("2001:db8:5:6::/64");
    }

    @Test
    void withoutAUsableHeaderTheLastTrustedHopIsTheKey() {
        assertThat(BEHIND_PROXIES.key(ip("10.0.0.5"), List.of())).isEqualTo("10.0.0.5");
        assertThat(BEHIND_PROXIES.key(ip("10.0.0.5"), List.of("10.0.0.9"))).isEqualTo("10.0.0.9");
        assertThat(BEHIND_PROXIES.key(ip("10.0.0.5"), List.of("198.51.100.1, not-an-ip")))
                .as("garbage stops the walk: no DNS, no guessing").isEqualTo("10.0.0.5");
    }
}
