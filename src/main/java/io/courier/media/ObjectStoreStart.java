package io.courier.media;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import io.courier.common.Futures;
import io.minio.MinioClient;

/**
 * Reaches the object store and readies its bucket on a thread of its own, from the moment the node knows where the
 * store is (on the embedded default: once the local infrastructure is up), so the bucket's round trips and the
 * MinIO SDK's first use overlap the database's phase instead of following it: about a second of a warm start on
 * two cores.
 */
final class ObjectStoreStart {
    /** The store reached: where it is, a client for it, and who expires media there. */
    record Ready(StoreEndpoint endpoint, MinioClient minio, ExpiryMode expiryMode) {
    }

    /** Reaching a store blocks on its round trips. */
    interface Connect {
        Ready connect(StoreEndpoint endpoint) throws Exception;
    }

    private static final Executor OWN_THREAD = task -> {
        Thread thread = new Thread(task, "courier-media-start");
        thread.setDaemon(true);
        thread.start();
    };

    private final CompletableFuture<Ready> ready;

    private ObjectStoreStart(CompletableFuture<Ready> ready) {
        this.ready = ready;
    }

    static ObjectStoreStart begin(CompletableFuture<StoreEndpoint> endpoint, Connect connect) {
        return new ObjectStoreStart(endpoint.thenApplyAsync(found -> {
            try {
                return connect.connect(found);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, OWN_THREAD));
    }

    /** Waits for the store; throws what kept it from being reached, as the start's failure. */
    Ready await() {
        return Futures.join(ready);
    }
}
