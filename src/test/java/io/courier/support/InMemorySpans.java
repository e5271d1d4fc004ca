package io.courier.support;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

/**
 * The test node's span exporter (Quarkus exports to every {@code SpanExporter} bean). It stays empty unless a test
 * profile turns the OpenTelemetry SDK on.
 */
public class InMemorySpans {
    @Produces
    @Singleton
    InMemorySpanExporter spans() {
        return InMemorySpanExporter.create();
    }
}
