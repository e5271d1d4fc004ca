package io.courier.cli;

import java.net.http.HttpClient;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.courier.client.ClientStore;
import io.courier.client.ConnectionEvent;
import io.courier.client.CourierClient;
import io.courier.client.MediaClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** One device's client for the length of a command: channel, SDK client on the state file, contact names. */
final class Session implements AutoCloseable {
    final CourierCli cli;
    final ManagedChannel channel;
    final CourierClient client;
    private final Map<UUID, String> names = new ConcurrentHashMap<>();
    private MediaClient media;

    private Session(CourierCli cli, ManagedChannel channel) {
        this.cli = cli;
        this.channel = channel;
        this.client = CourierClient.create(channel, ClientStore.file(cli.state));
    }

    static Session open(CourierCli cli) {
        return new Session(cli, channel(cli));
    }

    static ManagedChannel channel(CourierCli cli) {
        ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(cli.server);
        return (cli.tls ? builder.useTransportSecurity() : builder.usePlaintext()).build();
    }

    Terminal terminal() {
        return cli.terminal;
    }

    /** A phone number (looked up, then shown by it) or an account id. */
    UUID account(String who) {
        if (who.startsWith("+")) {
            UUID account = client.lookup(who).block();
            names.put(account, who);
            return account;
        }
        try {
            return UUID.fromString(who);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + who + "' is neither a phone number (+…) nor an account id");
        }
    }

    /** How to show an account: "you", the number it was looked up by, or the start of its id. */
    String name(UUID account) {
        if (client.credentials().accountId().equals(account)) {
            return "you";
        }
        return names.getOrDefault(account, account.toString().substring(0, 8));
    }

    synchronized MediaClient media() {
        if (media == null) {
            media = MediaClient.create(channel, client, HttpClient.newHttpClient());
        }
        return media;
    }

    /**
     * Opens the stream; everything that arrives goes to {@code view}. Returns once the offline queue is drained;
     * fails if the server no longer accepts this device.
     */
    void connect(MessageView view) {
        client.incoming().subscribe(view::incoming);
        client.ticks().subscribe(view::tick);
        client.actions().subscribe(view::action);
        client.groupStatuses().subscribe(view::groupStatus);
        client.identityChanges().subscribe(change -> terminal().println("! the safety number with "
                + name(change.account()) + " changed" + (change.sendingBlocked()
                        ? "; sending to them is blocked until you compare it and verify again" : "")));
        client.linkedDevices().subscribe(linked -> terminal().println("! a new device, \"" + linked.deviceName()
                + "\" (device " + linked.deviceId() + "), was linked to this account at " + linked.linkedAt()
                + "; not yours? run: courier revoke-device " + linked.deviceId()));
        client.events().subscribe(event -> {
            if (event == ConnectionEvent.STOPPED) {
                terminal().println("! this device was revoked; run register or link again");
            }
        });
        client.connect();
        if (client.events().filter(e -> e == ConnectionEvent.DRAINED || e == ConnectionEvent.STOPPED)
                .blockFirst() == ConnectionEvent.STOPPED) {
            throw new IllegalStateException("the server no longer accepts this device (revoked or replaced)");
        }
    }

    @Override
    public void close() {
        client.close();
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
