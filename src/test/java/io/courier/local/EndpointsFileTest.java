package io.courier.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsFileTest {
    private static final LocalEndpoints ENDPOINTS = new LocalEndpoints("127.0.0.1", 1, "datacenter1",
            "http://127.0.0.1:2", "access", "secret");

    @TempDir
    Path dir;

    @Test
    void whatIsWrittenReadsBackAndOnlyTheOwnerMayReadIt() throws IOException {
        Path file = dir.resolve("endpoints.properties");
        EndpointsFile.write(file, ENDPOINTS);

        EndpointsFile.Written written = EndpointsFile.parse(load(file)).orElseThrow();
        assertThat(written.endpoints()).isEqualTo(ENDPOINTS);
        assertThat(written.ownerPid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aFileMissingAKeyOrWithABadNumberOrAddressIsIgnored() throws IOException {
        Path file = dir.resolve("endpoints.properties");
        EndpointsFile.write(file, ENDPOINTS);
        Properties good = load(file);

        for (String[] change : new String[][] {{"cql-port", null}, {"cql-port", "many"}, {"owner-pid", "x"},
                {"s3-endpoint", "not a uri"}, {"s3-endpoint", "http://host-without-port"}, {"s3-secret-key", " "}}) {
            Properties bad = (Properties) good.clone();
            if (change[1] == null) {
                bad.remove(change[0]);
            } else {
                bad.setProperty(change[0], change[1]);
            }
            assertThat(EndpointsFile.parse(bad)).as(String.join("=", change[0], String.valueOf(change[1])))
                    .isEmpty();
        }
    }

    @Test
    void aGarbledFileMeansNoLiveInfrastructureRatherThanAFailedStart() throws IOException {
        Path file = dir.resolve("endpoints.properties");
        Files.writeString(file, "owner-pid=\\u12zz\ncql-port=\n");

        assertThat(EndpointsFile.readLive(file)).isEmpty();
    }

    @Test
    void aFileWhoseOwnerLivesButWhosePortsAreClosedIsNotLive() throws IOException {
        Path file = dir.resolve("endpoints.properties");
        int closed = FreePorts.pick();
        EndpointsFile.write(file, new LocalEndpoints("127.0.0.1", closed, "datacenter1",
                "http://127.0.0.1:" + closed, "access", "secret"));

        assertThat(EndpointsFile.readLive(file)).isEmpty();
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            p.load(reader);
        }
        return p;
    }
}
