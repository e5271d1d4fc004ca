package io.courier.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "revoke-device", description = "Unlinks a device of this account (the primary any linked one, a linked"
        + " device only itself): its credential stops working at once.")
final class RevokeDeviceCommand extends DeviceCommand {
    @Parameters(paramLabel = "DEVICE_ID", description = "the device's id, as a link notice names it")
    int deviceId;

    @Override
    void run(Session session) {
        session.client.revokeDevice(deviceId).block();
        cli.terminal.println("Device " + deviceId + " revoked.");
    }
}
