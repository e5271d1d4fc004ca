package io.courier.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.hazelcast.config.Config;
import com.hazelcast.config.ConfigXmlGenerator;
import com.hazelcast.config.InMemoryXmlConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.EndpointQualifier;

import io.courier.local.FreePorts;

/**
 * A Hazelcast member like the node's, in a JVM of its own, as a second node's member would be: the node's own
 * configuration (maps, serialization filter, properties) with a port of its own, joined to the node. It stops when
 * this JVM closes its stdin (or dies).
 */
public final class MemberProcess implements AutoCloseable {
    private final Process process;

    private MemberProcess(Process process) {
        this.process = process;
    }

    public static MemberProcess join(HazelcastInstance node, Path logFile) {
        try {
            Path config = Files.createTempFile("courier-member", ".xml");
            Files.writeString(config, new ConfigXmlGenerator(true, false).generate(node.getConfig()));
            String seed = node.getCluster().getLocalMember().getAddress().getHost() + ":"
                    + node.getCluster().getLocalMember().getAddress().getPort();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--add-") || a.startsWith("-Djava.util.concurrent"))
                    .forEach(command::add);
            command.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    MemberProcess.class.getName(), config.toString(), String.valueOf(FreePorts.pick()), seed));
            return new MemberProcess(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(logFile.toFile()).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The child: {@code <config.xml> <port> <seed host:port>}. */
    public static void main(String[] args) throws IOException {
        Config config = new InMemoryXmlConfig(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        config.setClassLoader(MemberProcess.class.getClassLoader());
        int port = Integer.parseInt(args[1]);
        ServerSocketEndpointConfig members = (ServerSocketEndpointConfig) config.getAdvancedNetworkConfig()
                .getEndpointConfigs().get(EndpointQualifier.MEMBER);
        members.setPort(port);
        config.getAdvancedNetworkConfig().getJoin().getTcpIpConfig().setMembers(List.of(args[2],
                "127.0.0.1:" + port));
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        while (System.in.read() >= 0) {
            // runs until the parent closes stdin or dies
        }
        member.getLifecycleService().terminate();
        System.exit(0);
    }
}
