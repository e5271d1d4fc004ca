package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.support.ServerTest;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Through a real gRPC call: the test profile trusts 127.0.0.1 as a proxy, so the per-peer limit of a code request is
 * counted for the forwarded client (per /64 for IPv6), which the rate-limit map shows.
 */
@QuarkusTest
class ForwardedForTest extends ServerTest {
    private static final String PER_PEER = "verification code requests from this address";

    @Inject
    HazelcastInstance hazelcast;

    private static void requestCodeVia(String forwardedFor) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.FORWARDED_FOR, forwardedFor);
        AccountServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .requestVerificationCode(RequestVerificationCodeRequest.newBuilder()
                        .setPhoneNumber(randomPhoneNumber()).build());
    }

    private boolean counted(String key) {
        return hazelcast.getMap("courier-rate-limits").containsKey(PER_PEER + '\u0000' + key);
    }

    @Test
    void aTrustedProxysForwardedClientIsThePeerAndIpv6CountsPerSlash64() {
        int n = ThreadLocalRandom.current().nextInt(1, 0xffff);
        String spoofed = "198.18.0." + (n % 250 + 1);
        String client = "203.0.113." + (n % 250 + 1);
        requestCodeVia(spoofed + ", " + client);
        assertThat(counted(client)).as("the rightmost untrusted hop is the client").isTrue();
        assertThat(counted(spoofed)).as("hops the client wrote itself are not believed").isFalse();

        String v6 = "2001:db8:" + Integer.toHexString(n) + ":1";
        requestCodeVia(v6 + ":aaaa::1");
        assertThat(counted(v6 + "::/64")).isTrue();
    }
}
