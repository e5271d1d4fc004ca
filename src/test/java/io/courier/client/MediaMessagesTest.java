package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.google.protobuf.ByteString;

import io.courier.api.v1.AttachmentPointer;
import io.courier.api.v1.GetDownloadUrlRequest;
import io.courier.api.v1.ListUploadedPartsRequest;
import io.courier.api.v1.MediaKind;
import io.courier.api.v1.MediaServiceGrpc;
import io.courier.store.CqlConfig;
import io.courier.support.ServerTest;
import io.courier.support.TcpProxy;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.quarkus.test.junit.QuarkusTest;

/** Media messages through the SDK between two real devices: real S3Proxy, real AES/HMAC, real libsignal. */
@QuarkusTest
class MediaMessagesTest extends ServerTest {
    private static final int MIB = 1024 * 1024;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    CqlSession session;

    @Inject
    CqlConfig cqlConfig;

    private ClientHarness registered() {
        return ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    private static MediaClient media(ClientHarness device) {
        return MediaClient.create(channel, device.client, HTTP);
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    /** A plaintext that says what it is, so tables and logs can be searched for it. */
    private static byte[] plaintext(String marker, int size) {
        byte[] bytes = MediaCipherTest.random(size);
        byte[] head = marker.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, bytes, 0, head.length);
        return bytes;
    }

    @Test
    void textImageVideoVoiceAudioAndDocumentMessagesArriveAndOpen() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters())
                        + " " + (record.getThrown() == null ? "" : record.getThrown().toString()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("").addHandler(capture);
        String canary = "media-test-canary-" + UUID.randomUUID();
        Logger.getLogger("io.courier.media").info(canary);
        String marker = "courier-secret-" + UUID.randomUUID();
        Path dir = Files.createDirectories(Path.of("target", "media-test", UUID.randomUUID().toString()));
        List<AttachmentPointer> pointers = new ArrayList<>();
        try (ClientHarness alice = registered().online(); ClientHarness bob = registered().online()) {
            alice.client.send(account(bob), Content.text("look at these " + marker).encode()).block();
            assertThat(Content.decode(bob.nextMessage().plaintext())).isEqualTo(Content.text("look at these " + marker));

            byte[] thumbnail = plaintext(marker, 2000);
            Path video = dir.resolve("video.mp4");
            Files.write(video, plaintext(marker, 11 * MIB));
            record Sent(MediaSource source, byte[] bytes, MediaDetails details) {
            }
            byte[] image = plaintext(marker, 200_000);
            byte[] voice = plaintext(marker, 30_000);
            byte[] audio = plaintext(marker, MIB);
            byte[] document = plaintext(marker, 500_000);
            List<Sent> items = List.of(
                    new Sent(MediaSource.of(image), image, MediaDetails.image("image/jpeg", 1280, 960, thumbnail)),
                    new Sent(MediaSource.of(video), Files.readAllBytes(video),
                            MediaDetails.video("video/mp4", 1920, 1080, 12_000, thumbnail)),
                    new Sent(MediaSource.of(voice), voice, MediaDetails.voiceNote("audio/ogg", 4_200)),
                    new Sent(MediaSource.of(audio), audio, MediaDetails.audio("audio/mpeg", "song.mp3", 61_000)),
                    new Sent(MediaSource.of(document), document,
                            MediaDetails.document("application/pdf", "report.pdf", new byte[0])));

            for (Sent item : items) {
                MediaTransfer<UploadedMedia> upload = media(alice).upload(item.source(), item.details());
                List<MediaTransfer.Progress> progress = new CopyOnWriteArrayList<>();
                upload.progress().subscribe(progress::add);
                UploadedMedia uploaded = upload.result().block();
                long blobSize = MediaCipher.blobSize(item.bytes().length);
                assertThat(uploaded.bytesSent()).isEqualTo(blobSize);
                assertThat(progress).last().isEqualTo(new MediaTransfer.Progress(blobSize, blobSize));
                alice.client.send(account(bob), Content.media(uploaded, "caption " + marker).encode()).block();

                Content.Media received = (Content.Media) Content.decode(bob.nextMessage().plaintext());
                assertThat(received.caption()).isEqualTo("caption " + marker);
                AttachmentPointer pointer = received.pointer();
                pointers.add(pointer);
                assertThat(pointer.getKind()).isEqualTo(item.details().kind());
                assertThat(pointer.getVoiceNote()).isEqualTo(item.details().voiceNote());
                assertThat(pointer.getMimeType()).isEqualTo(item.details().mimeType());
                assertThat(pointer.getFileName()).isEqualTo(item.details().fileName());
                assertThat(pointer.getWidth()).isEqualTo(item.details().width());
                assertThat(pointer.getDurationMs()).isEqualTo(item.details().durationMs());
                assertThat(MediaClient.thumbnail(pointer)).isEqualTo(item.details().thumbnail());
                Path target = dir.resolve("received-" + pointer.getObjectKey());
                assertThat(media(bob).download(pointer, target).result().block()).isEqualTo(target);
                assertThat(Files.readAllBytes(target)).as(item.details().kind() + " round trip")
                        .isEqualTo(item.bytes());
                assertThatThrownBy(() -> media(bob).download(pointer, target).result().block())
                        .as("a second download to the same file").hasCauseInstanceOf(FileAlreadyExistsException.class)
                        .hasMessageContaining("never replaces");
                assertThat(Files.readAllBytes(target)).as("the existing file is left alone").isEqualTo(item.bytes());

                byte[] stored = raw(bob, pointer.getObjectKey());
                assertThat(new String(stored, StandardCharsets.ISO_8859_1)).as("the store holds ciphertext only")
                        .doesNotContain(marker);
            }
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }

        List<String> secrets = new ArrayList<>(List.of(marker));
        for (AttachmentPointer p : pointers) {
            byte[] key = p.getMediaKey().toByteArray();
            secrets.add(HexFormat.of().formatHex(key));
            secrets.add(Base64.getEncoder().encodeToString(key));
        }
        assertThat(logged).as("the capture sees the node's log").anyMatch(line -> line.contains(canary));
        for (String line : logged) {
            for (String secret : secrets) {
                assertThat(line).as("log line").doesNotContain(secret);
            }
        }
        assertNoTableHolds(marker.getBytes(StandardCharsets.UTF_8), pointers);
    }

    private void assertNoTableHolds(byte[] marker, List<AttachmentPointer> pointers) {
        var values = StoredValues.all(session, cqlConfig.keyspace());
        for (StoredValues.Value value : values) {
            String where = value.table() + "." + value.column();
            assertThat(value.contains(marker)).as(where + " holds plaintext").isFalse();
            for (AttachmentPointer p : pointers) {
                byte[] key = p.getMediaKey().toByteArray();
                assertThat(value.contains(key)).as(where + " holds a media key").isFalse();
                assertThat(value.contains(HexFormat.of().formatHex(key).getBytes(StandardCharsets.UTF_8)))
                        .as(where + " holds a media key in hex").isFalse();
            }
        }
        assertThat(values).as("blob and text columns scanned").isNotEmpty();
    }

    /** The blob exactly as the store holds it. */
    private static byte[] raw(ClientHarness device, String key) throws Exception {
        String url = withToken(MediaServiceGrpc.newBlockingStub(channel), device.client.credentials().authToken())
                .getDownloadUrl(GetDownloadUrlRequest.newBuilder().setObjectKey(key).build()).getGetUrl();
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray())
                .body();
    }

    @Test
    void aTamperedBlobAWrongDigestOrAWrongKeyIsRefusedAndNothingIsDecrypted() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "media-test", UUID.randomUUID().toString()));
        try (ClientHarness alice = registered(); ClientHarness bob = registered()) {
            byte[] plain = plaintext("tamper", 300_000);
            AttachmentPointer pointer = media(alice).upload(MediaSource.of(plain),
                    MediaDetails.image("image/png", 10, 10, new byte[0])).result().block().pointer();

            AttachmentPointer wrongDigest = pointer.toBuilder()
                    .setEncryptedSha256(ByteString.copyFrom(MediaCipherTest.sha256(new byte[1]))).build();
            assertRefused(bob, wrongDigest, dir, "SHA-256");

            AttachmentPointer wrongKey = pointer.toBuilder()
                    .setMediaKey(ByteString.copyFrom(MediaKeys.newMediaKey())).build();
            assertRefused(bob, wrongKey, dir, "MAC");

            // Someone with write access to the bucket flips one byte of the stored blob.
            byte[] blob = raw(bob, pointer.getObjectKey());
            blob[1000] ^= 1;
            var config = ConfigProvider.getConfig();
            MinioClient s3 = MinioClient.builder().endpoint(config.getValue("courier.s3.endpoint", String.class))
                    .credentials(config.getValue("courier.s3.access-key", String.class),
                            config.getValue("courier.s3.secret-key", String.class))
                    .region("us-east-1").build();
            s3.putObject(PutObjectArgs.builder().bucket(config.getValue("courier.s3.bucket", String.class))
                    .object(pointer.getObjectKey()).stream(new java.io.ByteArrayInputStream(blob), blob.length, -1)
                    .build());
            assertRefused(bob, pointer, dir, "SHA-256");
        }
    }

    private static void assertRefused(ClientHarness device, AttachmentPointer pointer, Path dir, String why) {
        Path target = dir.resolve(UUID.randomUUID() + ".plain");
        assertThatThrownBy(() -> media(device).download(pointer, target).result().block())
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining(why);
        assertThat(target).as("nothing decrypted").doesNotExist();
        assertThat(dir.toFile().list()).as("no partial plaintext left behind").allMatch(name -> !name.endsWith(".part"));
    }

    /**
     * On this slow link parts go one at a time. The answer to part 2 is lost with the connection (the phone loses
     * signal just as the store takes the part). The upload asks the server which parts the store holds, and sends only
     * part 3: no part goes twice. (A cut
     * inside a part is not tested here: S3Proxy's filesystem store then keeps a broken temporary part file.)
     */
    @Test
    void anUploadWhoseConnectionIsCutResumesWithoutSendingStoredPartsAgain() throws Exception {
        URI s3 = URI.create(ConfigProvider.getConfig().getValue("courier.s3.endpoint", String.class));
        // A slow link (3 s each way) so the store's answer is still on its way when the test cuts it.
        try (TcpProxy link = new TcpProxy(s3.getPort(), 0, java.time.Duration.ofSeconds(3));
                ClientHarness alice = registered(); ClientHarness bob = registered()) {
            HttpClient viaLink = HttpClient.newBuilder()
                    .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", link.port()))).build();
            byte[] plain = plaintext("resume", 11 * MIB);
            long blobSize = MediaCipher.blobSize(plain.length);

            MediaTransfer<UploadedMedia> upload = MediaClient.create(channel, alice.client, viaLink)
                    .upload(MediaSource.of(plain), MediaDetails.video("video/mp4", 640, 480, 1000, new byte[0]));
            var result = upload.result().toFuture();
            Row slot = Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> session.execute(
                    "SELECT object_key, upload_id FROM media_uploads WHERE account_id = ? ALLOW FILTERING",
                    alice.client.credentials().accountId()).one(), java.util.Objects::nonNull);
            var stub = withToken(MediaServiceGrpc.newBlockingStub(channel), alice.client.credentials().authToken());
            var listing = ListUploadedPartsRequest.newBuilder().setObjectKey(slot.getString("object_key"))
                    .setUploadId(slot.getString("upload_id")).build();
            Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(500))
                    // the store can't list while a part is being written; polls stay within the resume budget
                    .ignoreExceptions()
                    .until(() -> stub.listUploadedParts(listing).getPartsCount() == 2);
            link.dropConnections(); // part 2 is stored; its answer is lost with the link

            UploadedMedia uploaded = result.get(120, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(uploaded.bytesSent()).as("no part went twice").isEqualTo(blobSize);
            Path target = Path.of("target", "resumed-" + UUID.randomUUID() + ".plain");
            media(bob).download(uploaded.pointer(), target).result().block();
            assertThat(Files.readAllBytes(target)).isEqualTo(plain);
            Files.delete(target);
        }
    }

    @Test
    void aPlaintextThatIsNoDataMessageIsRefusedClearlyAndOneWithoutABodyIsUnsupported() {
        assertThatThrownBy(() -> Content.decode(new byte[] { (byte) 0xff, 0x01 }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a DataMessage");
        assertThat(Content.decode(new byte[0])).isEqualTo(new Content.Unsupported());
        assertThat(Content.decode(Content.text("").encode())).isEqualTo(Content.text(""));
    }
}
