package io.courier.media;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;

import io.courier.account.AccountDeletionListener;
import io.courier.cluster.RateLimiter;
import io.courier.local.LocalEndpoints;
import io.courier.local.LocalWiring;
import io.courier.store.Cql;
import io.courier.store.BaselineTables;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.MinioClient;
import io.quarkus.runtime.Startup;
import okhttp3.OkHttpClient;

/** Connects the MinIO SDK to the object store, makes sure the media bucket and its expiry exist, wires the broker. */
public class MediaWiring {
    @Produces
    BaselineTables schema() {
        return MediaSchema.TABLES;
    }

    /** Our own OkHttp client, so shutting it down lets the JVM exit at once (OkHttp's threads linger 60 s). */
    @Produces
    @Singleton
    OkHttpClient httpClient() {
        return new OkHttpClient();
    }

    void closeHttp(@Disposes OkHttpClient client) {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    /**
     * The store as configured, or the local S3Proxy in local mode: reached in the background, beside the database's
     * phase of the start (see {@link ObjectStoreStart}).
     */
    @Produces
    @Singleton
    @Startup(LocalWiring.STARTUP_PRIORITY + 1)
    ObjectStoreStart storeStart(MediaConfig config, MediaLimits limits, LocalWiring local, OkHttpClient http) {
        CompletableFuture<StoreEndpoint> endpoint = local.started().thenApply(found -> found
                .map((LocalEndpoints e) -> new StoreEndpoint(e.s3Endpoint(), e.s3AccessKey(), e.s3SecretKey()))
                .orElseGet(() -> new StoreEndpoint(config.endpoint(), config.accessKey(), config.secretKey())));
        return ObjectStoreStart.begin(endpoint, found -> connect(found, config, limits, http));
    }

    /** Makes sure the bucket exists, then decides (once) who expires media in it. */
    private static ObjectStoreStart.Ready connect(StoreEndpoint endpoint, MediaConfig config, MediaLimits limits,
            OkHttpClient http) throws Exception {
        MinioClient client = MinioClient.builder().httpClient(http).region(config.region())
                .endpoint(endpoint.url()).credentials(endpoint.accessKey(), endpoint.secretKey()).build();
        String bucket = config.bucket();
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            try {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            } catch (ErrorResponseException e) {
                // Nodes started together: another one created it between our check and our create.
                if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                    throw e;
                }
            }
        }
        ExpiryMode mode = BucketExpiry.configure(client, bucket, limits.expiry(), limits.retention(),
                limits.incompleteUploadTtl());
        return new ObjectStoreStart.Ready(endpoint, client, mode);
    }

    @Produces
    @Singleton
    StoreEndpoint endpoint(ObjectStoreStart start) {
        return start.await().endpoint();
    }

    @Produces
    @Singleton
    MinioClient minio(ObjectStoreStart start) {
        return start.await().minio();
    }

    @Produces
    @Singleton
    ExpiryMode expiryMode(ObjectStoreStart start) {
        return start.await().expiryMode();
    }

    @Produces
    @Singleton
    ObjectStore objectStore(MediaConfig config, StoreEndpoint endpoint, OkHttpClient http, MediaLimits limits) {
        return ObjectStore.connect(endpoint, limits.publicEndpoint(), config.region(), config.bucket(), http,
                (int) limits.urlTtl().toSeconds());
    }

    @Produces
    @Singleton
    ExpiryIndex expiryIndex(Cql cql, MediaLimits limits) {
        return new ExpiryIndex(cql, limits.sweepLookbackDays());
    }

    /** Built at startup: preparing its statements must not happen on a transport thread at the first call. */
    @Produces
    @Singleton
    @Startup
    MediaBroker broker(Cql cql, ExpiryIndex expiry, ObjectStore store, RateLimiter limiter, MediaLimits limits,
            ExpiryMode mode, Clock clock) {
        MediaPolicy.check(limits);
        return new MediaBroker(new UploadStore(cql, limits.retention()),
                new UploadQuota(cql, limits.dailyUploadQuota().asLongValue()), expiry, store, limiter, limits, mode,
                clock);
    }

    @Produces
    @Singleton
    AccountDeletionListener dropUploadQuota(MediaBroker broker) {
        return (accountId, deviceIds) -> broker.accountDeleted(accountId).toFuture();
    }

    /** Sweeps only where the store can't expire media itself, and on each node only the shards it owns. */
    @Produces
    @Singleton
    @Startup
    ExpirySweeper sweeper(ExpiryIndex expiry, ObjectStore store, Clock clock, MediaLimits limits, ExpiryMode mode,
            HazelcastInstance hazelcast) {
        ExpirySweeper sweeper = new ExpirySweeper(expiry, store, clock, limits.sweepLookbackDays(),
                shard -> ownedHere(hazelcast, shard));
        if (mode == ExpiryMode.SWEEPER) {
            sweeper.start(limits.sweepInterval());
        }
        return sweeper;
    }

    void stopSweeper(@Disposes ExpirySweeper sweeper) {
        sweeper.close();
    }

    private static boolean ownedHere(HazelcastInstance hazelcast, int shard) {
        Partition partition = hazelcast.getPartitionService().getPartition("courier-media-expiry-" + shard);
        return partition.getOwner() != null && partition.getOwner().localMember();
    }
}
