package io.courier.client;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One file holding the device's whole state (identity, prekeys, sessions, credentials), replaced atomically on every
 * change, so a restarted client continues its sessions. The file holds private keys: keep it private.
 */
public final class FileStorage implements StateStorage {
    private static final int FORMAT = 1;

    private final Path file;

    public FileStorage(Path file) {
        this.file = file;
    }

    @Override
    public SortedMap<String, byte[]> load() {
        SortedMap<String, byte[]> state = new TreeMap<>();
        if (!Files.exists(file)) {
            return state;
        }
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(raw)) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException("unknown state file format " + format);
            }
            int entries = in.readInt();
            for (int i = 0; i < entries; i++) {
                String key = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
                state.put(key, in.readNBytes(in.readInt()));
            }
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read client state " + file, e);
        }
    }

    @Override
    public void save(SortedMap<String, byte[]> snapshot) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(FORMAT);
            out.writeInt(snapshot.size());
            for (Map.Entry<String, byte[]> entry : snapshot.entrySet()) {
                byte[] key = entry.getKey().getBytes(StandardCharsets.UTF_8);
                out.writeInt(key.length);
                out.write(key);
                out.writeInt(entry.getValue().length);
                out.write(entry.getValue());
            }
            out.flush();
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.write(temp, bytes.toByteArray());
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write client state " + file, e);
        }
    }
}
