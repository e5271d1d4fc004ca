package io.courier.client;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

/**
 * A download's body fed to a {@link MediaCipher.Opening} on the HTTP client's thread as it arrives: the blob is
 * checked and decrypted in the same pass, so it is neither stored nor read back. Stops at the first byte beyond the
 * declared size, so a hostile store can't fill the disk.
 */
final class OpeningWrite implements HttpResponse.BodySubscriber<Void> {
    final MediaCipher.Opening opening;
    private final LongConsumer progress;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Flow.Subscription subscription;
    /** Why the blob was refused, if it was: the HTTP client wraps the failure, the caller needs the refusal itself. */
    volatile MediaIntegrityException refused;

    OpeningWrite(MediaCipher.Opening opening, LongConsumer progress) {
        this.opening = opening;
        this.progress = progress;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        try {
            for (ByteBuffer buffer : buffers) {
                int length = buffer.remaining();
                opening.update(buffer);
                progress.accept(length);
            }
            subscription.request(1);
        } catch (IOException | RuntimeException e) {
            if (e instanceof MediaIntegrityException integrity) {
                refused = integrity;
            }
            subscription.cancel();
            done.completeExceptionally(e);
        }
    }

    @Override
    public void onError(Throwable error) {
        done.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        done.complete(null);
    }

    @Override
    public CompletionStage<Void> getBody() {
        return done;
    }
}
