package io.courier.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.internal.core.metadata.DefaultEndPoint;

import io.courier.common.ConfigRefusal;
import io.courier.support.SelfSignedCertificate;

/**
 * {@code courier.cql.tls.*} as the driver's TLS: handshakes with a TLS server that stands in for a database node
 * requiring client certificates (ScyllaDB's {@code require_client_auth}), in process.
 */
class CqlTlsTest {
    private static final Path DIRECTORY = Path.of("target", "cql-tls-test");
    private static final Optional<String> PASSWORD = Optional.of(SelfSignedCertificate.KEYSTORE_PASSWORD);

    private static Path databaseKeystore;
    private static Path nodeKeystore;
    private static Path databaseCa;
    private static Path strangerCa;

    record Tls(boolean enabled, Optional<Path> truststore, Optional<String> truststorePassword,
            Optional<Path> keystore, Optional<String> keystorePassword, boolean hostnameValidation)
            implements CqlConfig.Tls {
    }

    @BeforeAll
    static void certificates() throws IOException, GeneralSecurityException {
        databaseKeystore = SelfSignedCertificate.keystore(DIRECTORY.resolve("database.p12"), "CN=localhost");
        nodeKeystore = SelfSignedCertificate.keystore(DIRECTORY.resolve("node.p12"), "CN=courier-node");
        databaseCa = truststoreOf(databaseKeystore, DIRECTORY.resolve("database-ca.p12"));
        strangerCa = truststoreOf(SelfSignedCertificate.keystore(DIRECTORY.resolve("stranger.p12"), "CN=localhost"),
                DIRECTORY.resolve("stranger-ca.p12"));
    }

    @Test
    void theTruststoreAndTheClientCertificateCarryTheHandshake() throws Exception {
        SSLContext context = CqlSessions.sslContext(new Tls(true, Optional.of(databaseCa), PASSWORD,
                Optional.of(nodeKeystore), PASSWORD, true));

        assertThat(handshake(context)).isEqualTo("CN=courier-node");
    }

    @Test
    void withoutAClientCertificateADatabaseThatRequiresOneRefusesTheNode() {
        SSLContext context = CqlSessions.sslContext(new Tls(true, Optional.of(databaseCa), PASSWORD,
                Optional.empty(), Optional.empty(), true));

        assertThatThrownBy(() -> handshake(context)).isInstanceOf(IOException.class);
    }

    @Test
    void aDatabaseCertificateFromAnotherCaIsRefused() {
        SSLContext context = CqlSessions.sslContext(new Tls(true, Optional.of(strangerCa), PASSWORD,
                Optional.of(nodeKeystore), PASSWORD, true));

        assertThatThrownBy(() -> handshake(context)).isInstanceOf(SSLException.class);
    }

    @Test
    void hostnameValidationIsTheDriverEnginesEndpointCheck() {
        InetSocketAddress node = new InetSocketAddress("127.0.0.1", 9142);
        SSLEngine checked = CqlSessions.sslEngineFactory(new Tls(true, Optional.of(databaseCa), PASSWORD,
                Optional.empty(), Optional.empty(), true)).newSslEngine(new DefaultEndPoint(node));
        SSLEngine unchecked = CqlSessions.sslEngineFactory(new Tls(true, Optional.of(databaseCa), PASSWORD,
                Optional.empty(), Optional.empty(), false)).newSslEngine(new DefaultEndPoint(node));

        assertThat(checked.getUseClientMode()).isTrue();
        assertThat(checked.getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(unchecked.getSSLParameters().getEndpointIdentificationAlgorithm()).isNull();
    }

    @Test
    void anUnreadableStoreOrAWrongPasswordIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> CqlSessions.sslContext(new Tls(true, Optional.of(DIRECTORY.resolve("missing.p12")),
                PASSWORD, Optional.empty(), Optional.empty(), true)))
                .isInstanceOf(ConfigRefusal.class).hasMessageContaining("courier.cql.tls.truststore");
        assertThatThrownBy(() -> CqlSessions.sslContext(new Tls(true, Optional.of(databaseCa), PASSWORD,
                Optional.of(nodeKeystore), Optional.of("wrong"), true)))
                .isInstanceOf(ConfigRefusal.class).hasMessageContaining("courier.cql.tls.keystore");
    }

    /**
     * One TLS handshake with a server holding the database's certificate that requires a client certificate
     * issued by the node's (self-signed) key; returns the client certificate's subject the server saw.
     */
    private static String handshake(SSLContext client) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) databaseContext().getServerSocketFactory().createServerSocket(
                0, 1, java.net.InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true);
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) server.accept()) {
                    accepted.startHandshake();
                    String subject = accepted.getSession().getPeerPrincipal().getName();
                    try (OutputStream out = accepted.getOutputStream()) {
                        out.write(1); // completes the client's side under TLS 1.3 too
                    }
                    return subject;
                } catch (IOException e) {
                    return "refused: " + e;
                }
            });
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(server.getInetAddress(),
                    server.getLocalPort())) {
                socket.startHandshake();
                if (socket.getInputStream().read() != 1) {
                    throw new SSLException("the server closed the connection: " + seen.get(10, TimeUnit.SECONDS));
                }
            }
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    private static SSLContext databaseContext() throws IOException, GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(SelfSignedCertificate.load(databaseKeystore), SelfSignedCertificate.KEYSTORE_PASSWORD.toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(truststore(SelfSignedCertificate.load(nodeKeystore)));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    /** A PKCS12 truststore at {@code file} with the keystore's certificate as its one trusted CA. */
    private static Path truststoreOf(Path keystore, Path file) throws IOException, GeneralSecurityException {
        KeyStore trusted = truststore(SelfSignedCertificate.load(keystore));
        try (OutputStream out = Files.newOutputStream(file)) {
            trusted.store(out, SelfSignedCertificate.KEYSTORE_PASSWORD.toCharArray());
        }
        return file;
    }

    private static KeyStore truststore(KeyStore keystore) throws IOException, GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", keystore.getCertificate(SelfSignedCertificate.ALIAS));
        return trusted;
    }
}
