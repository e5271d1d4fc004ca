package io.courier.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

/**
 * The abuse benchmark's many-address attacker ({@link ManyAddressAttacker}) in a JVM of its own, so the node's JVM
 * holds, and spends CPU on, only the node's side of its streams. Arguments: host, port, channels, ids per frame,
 * opens per second, a file of auth tokens (one a line). It attacks at once; a line {@code halt} on stdin stops its
 * reconnects; when stdin closes it stops, writes one line {@code <opens> <subscribes> <events> <stream ends>
 * <refused frames> <its CPU ns>} (counts as {@code CODE:n,…} or {@code none}) and exits.
 */
public final class AttackerGenerator {
    private AttackerGenerator() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int channelCount = Integer.parseInt(args[2]);
        int idsPerFrame = Integer.parseInt(args[3]);
        int opensPerSecond = Integer.parseInt(args[4]);
        List<String> tokens = Files.readAllLines(Path.of(args[5]));
        List<ManagedChannel> channels = IntStream.range(0, channelCount)
                .mapToObj(i -> (ManagedChannel) NettyChannelBuilder.forAddress(host, port).usePlaintext().build())
                .toList();
        ManyAddressAttacker.Result result;
        try {
            ManyAddressAttacker attacker = new ManyAddressAttacker(channels, tokens, idsPerFrame, opensPerSecond);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equals("halt")) {
                    attacker.halt();
                }
            }
            result = attacker.stop();
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        System.out.println(result.opens() + " " + result.subscribes() + " " + result.events() + " "
                + ManyAddressAttacker.counts(result.streamEnds()) + " "
                + ManyAddressAttacker.counts(result.refusedFrames()) + " " + cpu);
        System.out.flush();
    }

    /** What the generator's last line says: its result and the CPU time its JVM used. */
    public record Report(ManyAddressAttacker.Result result, long cpuNanos) {
        public static Report parse(String line) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 6) {
                throw new IllegalArgumentException("not an attacker report: " + line);
            }
            return new Report(new ManyAddressAttacker.Result(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                    Long.parseLong(parts[2]), countsOf(parts[3]), countsOf(parts[4])), Long.parseLong(parts[5]));
        }

        private static Map<String, Long> countsOf(String text) {
            return text.equals("none") ? new TreeMap<>() : Arrays.stream(text.split(",")).map(c -> c.split(":"))
                    .collect(Collectors.toMap(c -> c[0], c -> Long.parseLong(c[1]), Long::sum, TreeMap::new));
        }
    }
}
