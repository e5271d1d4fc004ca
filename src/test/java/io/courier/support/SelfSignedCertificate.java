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
    public static final String ALIAS = "courier";
    public static final String KEYSTORE_PASSWORD = "changeit";
    private static final char[] PASSWORD = KEYSTORE_PASSWORD.toCharArray();

    public static SelfSignedCertificate create(Path directory) {
        try {
            Files.createDirectories(directory);
            KeyStore store = load(keystore(directory.resolve("server.p12"), "CN=localhost"));
            Certificate certificate = store.getCertificate(ALIAS);
            Key key = store.getKey(ALIAS, PASSWORD);
            SelfSignedCertificate pair = new SelfSignedCertificate(directory.resolve("tls.crt"),
                    directory.resolve("tls.key"));
            Files.writeString(pair.certificate(), pem("CERTIFICATE", certificate.getEncoded()));
            Files.writeString(pair.privateKey(), pem("PRIVATE KEY", key.getEncoded()));
            return pair;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not make a test certificate", e);
        }
    }

    /**
     * A PKCS12 keystore at {@code file} (replaced) holding one EC key pair with its self-signed certificate for
     * 127.0.0.1/localhost, under {@link #ALIAS} and {@link #KEYSTORE_PASSWORD}.
     */
    public static Path keystore(Path file, String distinguishedName) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", distinguishedName, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                    "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass", KEYSTORE_PASSWORD)
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("could not make a test keystore", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A keystore made by {@link #keystore}. */
    public static KeyStore load(Path keystore) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    /** PEM text of DER bytes, e.g. "PRIVATE KEY" for a PKCS#8 key. */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
