package io.courier.media;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.courier.local.LocalWiring;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.quarkus.runtime.Startup;
import okhttp3.OkHttpClient;

/** Connects the MinIO SDK to the object store and makes sure the media bucket exists. */
public class MediaWiring {
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

    @Produces
    @Singleton
    @Startup
    MinioClient minio(MediaConfig config, LocalWiring local, OkHttpClient http) throws Exception {
        MinioClient.Builder builder = MinioClient.builder().httpClient(http).region(config.region());
        local.endpoints().ifPresentOrElse(
                e -> builder.endpoint(e.s3Endpoint()).credentials(e.s3AccessKey(), e.s3SecretKey()),
                () -> builder.endpoint(config.endpoint()).credentials(config.accessKey(), config.secretKey()));
        MinioClient client = builder.build();
        String bucket = config.bucket();
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        }
        return client;
    }
}
