package io.courier.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.OptionalInt;

/** Plain HTTP against presigned URLs, as a device would use them. */
final class BlobHttp {
    /** Status and body of one exchange. */
    record Reply(int status, byte[] body, String etag) {
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private BlobHttp() {
    }

    static Reply put(String url, byte[] body) {
        // Expect: 100-continue: the store judges the signed headers before any body is sent, so a refused PUT is a
        // clean 403 instead of a connection the store closes while the client is still sending (seen flaking).
        return send(HttpRequest.newBuilder(URI.create(url)).expectContinue(true)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /**
     * A PUT the store should refuse: its status, or empty if the store closed the connection without answering
     * (S3Proxy sometimes does, under load, when it refuses a body while the client is still sending it).
     */
    static OptionalInt refusedPut(String url, byte[] body) {
        try {
            return OptionalInt.of(put(url, body).status());
        } catch (UncheckedIOException dropped) {
            return OptionalInt.empty();
        }
    }

    static Reply get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    private static Reply send(HttpRequest request) {
        try {
            HttpResponse<byte[]> response;
            try {
                response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException stale) {
                // A pooled connection the store closed after refusing the previous request (seen flaking): the
                // request never reached it, and GET and PUT are idempotent, so one more try is safe. On a client
                // of its own: the shared one's pool may hand out another such connection (seen flaking too).
                response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
            }
            return new Reply(response.statusCode(), response.body(),
                    response.headers().firstValue("ETag").orElse("").replace("\"", ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
