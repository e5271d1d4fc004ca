package io.courier.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The first run's progress counts what Maven says it downloaded, from Maven's own lines. */
class DownloadProgressTest {
    @Test
    void aFinishedDownloadCountsItsSizeInMavensUnits() {
        assertThat(DownloadProgress.downloadedBytes("[INFO] Downloaded from central: https://repo.maven.apache.org"
                + "/maven2/org/apache/cassandra/cassandra-all/5.0.5/cassandra-all-5.0.5.jar (9.8 MB at 4.1 MB/s)"))
                .isEqualTo(9_800_000L);
        assertThat(DownloadProgress.downloadedBytes("Downloaded from central: https://repo.maven.apache.org/maven2"
                + "/org/gaul/s3proxy/2.6.0/s3proxy-2.6.0.pom (17 kB at 120 kB/s)")).isEqualTo(17_000L);
        assertThat(DownloadProgress.downloadedBytes("Downloaded from mirror: https://example.org/x.sha1 (40 B at"
                + " 1 kB/s)")).isEqualTo(40L);
    }

    @Test
    void otherLinesCountNothing() {
        assertThat(DownloadProgress.downloadedBytes("[INFO] Downloading from central: https://repo.maven.apache.org"
                + "/maven2/org/gaul/s3proxy/2.6.0/s3proxy-2.6.0.jar")).isZero();
        assertThat(DownloadProgress.downloadedBytes("[INFO] BUILD SUCCESS")).isZero();
    }
}
