package io.courier.local;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Ports a local component used last time, reused when still free so its data folder keeps matching its config. */
final class RememberedPorts {
    private final Path file;
    private final Properties ports;

    private RememberedPorts(Path file, Properties ports) {
        this.file = file;
        this.ports = ports;
    }

    static RememberedPorts load(Path file) {
        Properties ports = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                ports.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + file, e);
            }
        }
        return new RememberedPorts(file, ports);
    }

    int take(String name) {
        int previous = Integer.parseInt(ports.getProperty(name, "0"));
        int port = FreePorts.preferring(previous);
        ports.setProperty(name, Integer.toString(port));
        return port;
    }

    void save() {
        try (Writer writer = Files.newBufferedWriter(file)) {
            ports.store(writer, "ports chosen by Courier's local infrastructure");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
