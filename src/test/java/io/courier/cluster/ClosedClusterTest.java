package io.courier.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.HazelcastSerializationException;

import gadget.Gadget;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** The embedded member takes no Hazelcast clients and deserializes only Courier's and the JDK's types. */
@QuarkusTest
class ClosedClusterTest extends ServerTest {
    @Inject
    HazelcastInstance hazelcast;

    @Inject
    ClusterConfig cluster;

    @Test
    void aHazelcastClientCannotConnectToTheMemberPort() {
        InetSocketAddress member = (InetSocketAddress) hazelcast.getLocalEndpoint().getSocketAddress();
        ClientConfig client = new ClientConfig().setClusterName(cluster.name());
        client.getNetworkConfig().addAddress(member.getHostString() + ":" + member.getPort());
        client.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3_000);

        assertThatThrownBy(() -> HazelcastClient.newHazelcastClient(client).shutdown())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Unable to connect");
    }

    @Test
    void onlyCourierAndJdkTypesAreDeserialized() {
        IMap<String, Object> map = hazelcast.getMap("closed-cluster-test");
        map.put("courier", new DeviceAddress(UUID.randomUUID(), 1));
        map.put("jdk", UUID.randomUUID());
        map.put("foreign", new Gadget("anything"));

        assertThat(map.get("courier")).isInstanceOf(DeviceAddress.class);
        assertThat(map.get("jdk")).isInstanceOf(UUID.class);
        assertThatThrownBy(() -> map.get("foreign")).isInstanceOf(HazelcastSerializationException.class);
    }
}
