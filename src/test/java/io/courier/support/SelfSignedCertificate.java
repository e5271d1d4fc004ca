package io.courier.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;

/**
 * A throwaway certificate for 127.0.0.1/localhost, made with the JDK's keytool and written as the PEM pair a
 * Kubernetes TLS Secret holds (tls.crt, tls.key).
 */
public record SelfSignedCertificate(Path certificate, Path privateKey) {
    private static final char[] PASSWORD = "changeit".toCharArray();

    public static SelfSignedCertificate create(Path directory) {
        try {
            Files.createDirectories(directory);
            Path keystore = directory.resolve("server.p12");
            Files.deleteIfExists(keystore);
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "courier", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                    "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD))
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                store.load(in, PASSWORD);
            }
            Certificate certificate = store.getCertificate("courier");
            Key key = store.getKey("courier", PASSWORD);
            SelfSignedCertificate pair = new SelfSignedCertificate(directory.resolve("tls.crt"),
                    directory.resolve("tls.key"));
            Files.writeString(pair.certificate(), pem("CERTIFICATE", certificate.getEncoded()));
            Files.writeString(pair.privateKey(), pem("PRIVATE KEY", key.getEncoded()));
            return pair;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not make a test certificate", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** PEM text of DER bytes, e.g. "PRIVATE KEY" for a PKCS#8 key. */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
