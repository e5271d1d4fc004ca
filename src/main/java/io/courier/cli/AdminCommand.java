package io.courier.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.courier.api.v1.AdminServiceGrpc;
import io.courier.api.v1.ListNodesRequest;
import io.courier.api.v1.NodeInfo;
import io.courier.api.v1.RevokeAccountDeviceRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Operator commands (AdminService). The operator token comes from $COURIER_ADMIN_TOKEN or --token-file, never
 * from the command line (other users of the machine could read it in the process list).
 */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Operator commands: cluster nodes and their streams, revoking devices.",
        subcommands = { AdminCommand.Nodes.class, AdminCommand.Revoke.class })
final class AdminCommand {
    static final String TOKEN_VARIABLE = "COURIER_ADMIN_TOKEN";
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @ParentCommand
    CourierCli cli;

    @Option(names = "--token-file", description = "file holding the operator token (else $" + TOKEN_VARIABLE + ")")
    Path tokenFile;

    @Command(name = "nodes", description = "The cluster's nodes and the device streams open on each.")
    static final class Nodes implements Callable<Integer> {
        @ParentCommand
        AdminCommand admin;

        @Override
        public Integer call() throws IOException {
            return admin.call(stub -> {
                var nodes = stub.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList();
                admin.cli.terminal.println(String.format("%-36s  %-21s  %12s", "NODE", "ADDRESS", "OPEN STREAMS"));
                int total = 0;
                for (NodeInfo node : nodes) {
                    total += node.getOpenStreams();
                    admin.cli.terminal.println(String.format("%-36s  %-21s  %12s%s", node.getMemberId(),
                            node.getAddress(), node.hasOpenStreams() ? node.getOpenStreams() : "?",
                            node.getLocal() ? "  (answered)" : ""));
                }
                admin.cli.terminal.println(nodes.size() + " nodes, " + total + " open streams");
            });
        }
    }

    @Command(name = "revoke", description = "Revoke a linked device of any account; its stream is closed at once.")
    static final class Revoke implements Callable<Integer> {
        @ParentCommand
        AdminCommand admin;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Account account;

        @Option(names = "--device", required = true, description = "the device id (2 and up; 1 is the primary)")
        int device;

        static final class Account {
            @Option(names = "--phone", required = true)
            String phone;

            @Option(names = "--account", required = true)
            UUID id;
        }

        @Override
        public Integer call() throws IOException {
            RevokeAccountDeviceRequest.Builder request = RevokeAccountDeviceRequest.newBuilder().setDeviceId(device);
            if (account.phone != null) {
                request.setPhoneNumber(account.phone);
            } else {
                request.setAccountId(WireIds.bytes(account.id));
            }
            return admin.call(stub -> {
                UUID revokedFrom = WireIds.uuid(stub.revokeAccountDevice(request.build()).getAccountId());
                admin.cli.terminal.println("Revoked device " + device + " of account " + revokedFrom);
            });
        }
    }

    private interface AdminCall {
        void run(AdminServiceGrpc.AdminServiceBlockingStub stub);
    }

    private int call(AdminCall call) throws IOException {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token());
        ManagedChannel channel = Session.channel(cli);
        try {
            call.run(AdminServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(30, TimeUnit.SECONDS));
            return 0;
        } finally {
            channel.shutdownNow();
        }
    }

    private String token() throws IOException {
        if (tokenFile != null) {
            return Files.readString(tokenFile).strip();
        }
        return cli.terminal.env(TOKEN_VARIABLE).orElseThrow(() -> new IllegalArgumentException(
                "set $" + TOKEN_VARIABLE + " or --token-file to the operator token (courier.admin.token)"));
    }
}
