package io.courier.bench;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;

/**
 * The connect storm's load generator in a JVM of its own, so the node's JVM holds only the node's side of each
 * stream. Arguments: host, port, channels, a file of auth tokens (one a line). It opens every stream at once, writes
 * a line per settled stream to stdout ({@code R <open→ready ns> <since start ns>} or {@code X <status code>
 * <description>}), keeps the streams open until its stdin closes, then closes them and exits.
 */
public final class StormGenerator {
    private StormGenerator() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int channelCount = Integer.parseInt(args[2]);
        List<String> tokens = Files.readAllLines(Path.of(args[3]));
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), true);
        List<ManagedChannel> channels = IntStream.range(0, channelCount)
                .mapToObj(i -> (ManagedChannel) NettyChannelBuilder.forAddress(host, port).usePlaintext().build())
                .toList();
        try (ConnectStorm storm = new ConnectStorm(channels)) {
            storm.open(tokens, new ConnectStorm.Listener() {
                @Override
                public void ready(long openToReadyNanos, long sinceStartNanos) {
                    out.println("R " + openToReadyNanos + " " + sinceStartNanos);
                }

                @Override
                public void refused(Status status) {
                    String description = status.getDescription() == null ? "" : status.getDescription();
                    out.println("X " + status.getCode().value() + " " + description.replaceAll("\\s+", " "));
                }
            });
            while (System.in.read() >= 0) {
                // the streams stay open until the benchmark closes our stdin (or dies)
            }
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Parses one line the generator wrote and tells {@code listener}; false for a line of anything else. */
    public static boolean replay(String line, ConnectStorm.Listener listener) {
        String[] parts = line.split(" ", 3);
        if (parts[0].equals("R") && parts.length == 3) {
            listener.ready(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
            return true;
        }
        if (parts[0].equals("X") && parts.length >= 2) {
            listener.refused(Status.fromCodeValue(Integer.parseInt(parts[1]))
                    .withDescription(parts.length == 3 ? parts[2] : null));
            return true;
        }
        return false;
    }
}
