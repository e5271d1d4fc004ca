package io.courier.media;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

import org.jboss.logging.Logger;

import io.courier.common.ConfigRefusal;
import io.courier.common.Rejections;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioAsyncClient;
import io.minio.RemoveObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InvalidResponseException;
import io.minio.http.Method;
import io.minio.messages.Part;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The media bucket through the MinIO SDK's async client: presigned URLs (computed locally, no round trip) and the
 * few calls the server makes itself. Store failures become UNAVAILABLE with a generic message; the details are
 * logged under a correlation id.
 *
 * <p>URLs for devices may be signed for another address than the one the server uses (a public endpoint in front
 * of an internal store): SigV4 signs the Host header, so they are presigned by a client built on that address;
 * everything the server fetches itself goes to its own endpoint.
 */
final class ObjectStore {
    private static final Logger LOG = Logger.getLogger(ObjectStore.class);
    private static final XMLInputFactory XML = secureXml();
    private static final Set<String> PART_ERRORS = Set.of("InvalidPart", "InvalidPartOrder", "EntityTooSmall",
            "MalformedXML");

    private final MinioAsyncClient s3;
    /** Presigns the URLs handed to devices: {@link #s3} itself unless a public endpoint is set. */
    private final MinioAsyncClient signer;
    private final OkHttpClient http;
    private final String bucket;
    private final String region;
    private final int urlTtlSeconds;

    private ObjectStore(MinioAsyncClient s3, MinioAsyncClient signer, OkHttpClient http, String bucket, String region,
            int urlTtlSeconds) {
        this.s3 = s3;
        this.signer = signer;
        this.http = http;
        this.bucket = bucket;
        this.region = region;
        this.urlTtlSeconds = urlTtlSeconds;
    }

    /**
     * The store at {@code endpoint}, in {@code region} (set, so presigning never asks the store for the bucket's
     * location); device URLs signed for {@code publicEndpoint} if present.
     */
    static ObjectStore connect(StoreEndpoint endpoint, Optional<String> publicEndpoint, String region, String bucket,
            OkHttpClient http, int urlTtlSeconds) {
        MinioAsyncClient s3 = client(endpoint.url(), endpoint, region, http);
        MinioAsyncClient signer = publicEndpoint.map(url -> {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigRefusal("courier.media.public-endpoint '" + url
                        + "' must be an http:// or https:// URL (the address devices reach the store at)");
            }
            try {
                return client(url, endpoint, region, http);
            } catch (IllegalArgumentException e) {
                throw new ConfigRefusal("courier.media.public-endpoint '" + url + "' is not a usable URL: "
                        + e.getMessage(), e);
            }
        }).orElse(s3);
        return new ObjectStore(s3, signer, http, bucket, region, urlTtlSeconds);
    }

    private static MinioAsyncClient client(String url, StoreEndpoint endpoint, String region, OkHttpClient http) {
        return MinioAsyncClient.builder().httpClient(http).region(region).endpoint(url)
                .credentials(endpoint.accessKey(), endpoint.secretKey()).build();
    }

    /** A PUT of the whole blob; the length is signed, so a body of any other size is refused by the store. */
    String putUrl(String key, long length) {
        return presign(signer, Method.PUT, key, Map.of(), Map.of("Content-Length", Long.toString(length)));
    }

    String partUrl(String key, String uploadId, int partNumber, long length) {
        return presign(signer, Method.PUT, key,
                Map.of("uploadId", uploadId, "partNumber", Integer.toString(partNumber)),
                Map.of("Content-Length", Long.toString(length)));
    }

    String getUrl(String key) {
        return presign(signer, Method.GET, key, Map.of(), Map.of());
    }

    private String presign(MinioAsyncClient client, Method method, String key, Map<String, String> query,
            Map<String, String> headers) {
        try {
            return client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(method).bucket(bucket)
                    .region(region).object(key).expiry(urlTtlSeconds).extraQueryParams(query)
                    .extraHeaders(headers).build());
        } catch (Exception e) {
            throw unavailable("presigning a URL", e);
        }
    }

    Mono<String> startMultipart(String key) {
        return guarded("starting a multipart upload",
                sdk(() -> s3.createMultipartUploadAsync(bucket, region, key, null, null))
                        .map(response -> response.result().uploadId()));
    }

    /** Assembles the parts; a part list the store rejects is the client's mistake. */
    Mono<Void> complete(String key, String uploadId, List<Part> parts) {
        return guarded("completing a multipart upload",
                sdk(() -> s3.completeMultipartUploadAsync(bucket, region, key, uploadId, parts.toArray(Part[]::new),
                        null, null))
                        .then()
                        .onErrorMap(e -> isCode(e, "NoSuchUpload"),
                                e -> Rejections.notFound("the upload was completed, aborted or has expired"))
                        .onErrorMap(e -> PART_ERRORS.contains(String.valueOf(code(e))),
                                e -> Rejections.failedPrecondition("the object store refused the parts ("
                                        + code(e) + "): upload every part with the URLs given and pass their ETags"
                                        + " in part-number order")));
    }

    /** Frees the parts of an upload; an upload the store no longer knows is already gone. */
    Mono<Void> abort(String key, String uploadId) {
        return guarded("aborting a multipart upload",
                sdk(() -> s3.abortMultipartUploadAsync(bucket, region, key, uploadId, null, null))
                        .then()
                        .onErrorResume(e -> isCode(e, "NoSuchUpload") || isNotFound(e), e -> Mono.empty()));
    }

    /** The stored size; empty if there is no such object. */
    Mono<Long> size(String key) {
        return guarded("reading an object's size",
                sdk(() -> s3.statObject(StatObjectArgs.builder().bucket(bucket).region(region).object(key).build()))
                        .map(stat -> stat.size())
                        .onErrorResume(e -> isCode(e, "NoSuchKey") || isCode(e, "NoSuchObject"), e -> Mono.empty()));
    }

    /** Deletes an object; deleting one that is not there succeeds. */
    Mono<Void> delete(String key) {
        return guarded("deleting an object",
                sdk(() -> s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).region(region).object(key)
                        .build())));
    }

    /**
     * The parts stored so far. Listed through a presigned GET parsed here: the SDK's own ListParts parser needs
     * elements S3Proxy leaves out.
     */
    Mono<List<StoredPart>> listParts(String key, String uploadId) {
        Request request = new Request.Builder()
                .url(presign(s3, Method.GET, key, Map.of("uploadId", uploadId, "max-parts", "10000"), Map.of()))
                .build();
        return Mono.<List<StoredPart>>create(sink -> {
            Call call = http.newCall(request);
            sink.onCancel(call::cancel);
            call.enqueue(new PartsCallback(sink));
        }).transform(mono -> guarded("listing parts", mono));
    }

    private record PartsCallback(MonoSink<List<StoredPart>> sink) implements Callback {
        @Override
        public void onFailure(Call call, IOException e) {
            sink.error(e);
        }

        @Override
        public void onResponse(Call call, Response response) {
            try (response; InputStream body = response.body().byteStream()) {
                if (response.code() == 404) {
                    sink.error(Rejections.notFound("the upload was completed, aborted or has expired"));
                } else if (!response.isSuccessful()) {
                    sink.error(new StoreRefused(response.code()));
                } else {
                    sink.success(parseParts(body));
                }
            } catch (IOException | XMLStreamException | RuntimeException e) {
                sink.error(e);
            }
        }
    }

    /** A non-S3 answer of the store; only its status is logged (the request's URL carries a signature). */
    private static final class StoreRefused extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        StoreRefused(int status) {
            super("HTTP " + status);
            this.status = status;
        }
    }

    static List<StoredPart> parseParts(InputStream xml) throws XMLStreamException {
        XMLStreamReader reader = XML.createXMLStreamReader(xml);
        List<StoredPart> parts = new ArrayList<>();
        Integer number = null;
        String etag = null;
        Long size = null;
        StringBuilder text = new StringBuilder();
        while (reader.hasNext()) {
            switch (reader.next()) {
                case XMLStreamConstants.START_ELEMENT -> text.setLength(0);
                case XMLStreamConstants.CHARACTERS -> text.append(reader.getText());
                case XMLStreamConstants.END_ELEMENT -> {
                    switch (reader.getLocalName()) {
                        case "PartNumber" -> number = Integer.parseInt(text.toString().trim());
                        case "ETag" -> etag = text.toString().trim().replace("\"", "");
                        case "Size" -> size = Long.parseLong(text.toString().trim());
                        case "Part" -> {
                            if (number != null && etag != null && size != null) {
                                parts.add(new StoredPart(number, etag, size));
                            }
                            number = null;
                            etag = null;
                            size = null;
                        }
                        default -> {
                            // other elements carry nothing the resume needs
                        }
                    }
                    text.setLength(0);
                }
                default -> {
                    // attributes, comments and the prologue carry nothing either
                }
            }
        }
        reader.close();
        return parts;
    }

    private static XMLInputFactory secureXml() {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        return factory;
    }

    /** The S3 error code of a store error response, or null. */
    static String code(Throwable error) {
        return error instanceof ErrorResponseException e ? e.errorResponse().code() : null;
    }

    private static boolean isCode(Throwable error, String code) {
        return code.equals(code(error));
    }

    /** S3Proxy answers some calls on a missing upload with a bare 404 page instead of an S3 error. */
    private static boolean isNotFound(Throwable error) {
        return error instanceof InvalidResponseException && String.valueOf(error.getMessage())
                .contains("Response code: 404");
    }

    /** Runs an SDK call when subscribed; a checked exception it throws fails the Mono. */
    private static <T> Mono<T> sdk(Callable<CompletableFuture<T>> call) {
        return Mono.fromCompletionStage(() -> {
            try {
                return call.call();
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        });
    }

    /** Every failure not already turned into a status for the client becomes UNAVAILABLE. */
    private static <T> Mono<T> guarded(String what, Mono<T> call) {
        return call.onErrorMap(e -> !(e instanceof StatusRuntimeException), e -> unavailable(what, e));
    }

    /** Logs the cause under a correlation id; the caller only learns that the store is unavailable. */
    static RuntimeException unavailable(String what, Throwable cause) {
        String id = UUID.randomUUID().toString();
        String detail = code(cause) != null ? "S3 error " + code(cause)
                : cause instanceof StoreRefused refused ? "HTTP " + refused.status : cause.getClass().getSimpleName();
        LOG.warnf("Object store failed %s (%s) [%s]", what, detail, id);
        return Status.UNAVAILABLE.withDescription("media storage is unavailable; try again (" + id + ")")
                .asRuntimeException();
    }
}
