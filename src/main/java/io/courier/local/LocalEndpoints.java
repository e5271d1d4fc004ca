package io.courier.local;

/** Where the running local infrastructure listens, and the S3 credentials it accepts. */
public record LocalEndpoints(String cqlHost, int cqlPort, String cqlDatacenter, String s3Endpoint,
        String s3AccessKey, String s3SecretKey) {
}
