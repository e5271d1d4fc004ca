package io.courier.common;

import java.util.List;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import reactor.core.publisher.Mono;

/**
 * One trace per message, across nodes: {@code courier.send} on the sender's node (the root), then its steps —
 * {@code courier.durable}, {@code courier.push} per destination device, {@code courier.deliver} and {@code courier.ack}
 * on the node holding each recipient's stream. Steps on other nodes find their parent in the W3C {@code traceparent}
 * that the message's queued copies carry (and with them node-bus pushes); a copy carries one only when its send was
 * sampled, so an unsampled message makes no step spans anywhere.
 *
 * <p>Spans carry the server id and outcomes only: never a payload, a token, a phone number or an account id.
 * {@link #OFF} (the OpenTelemetry SDK disabled, the default) adds nothing per message: every call returns the invalid
 * span or its argument.
 */
public final class MessageTracing {
    public static final MessageTracing OFF = new MessageTracing(null);

    /** The W3C header's name, the only one read from the carrier. */
    private static final String TRACEPARENT = "traceparent";
    private static final TextMapGetter<String> CARRIER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
            return TRACEPARENT.equals(key) ? carrier : null;
        }
    };

    /** Null when off. */
    private final Tracer tracer;

    private MessageTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    public static MessageTracing of(OpenTelemetry openTelemetry) {
        return new MessageTracing(openTelemetry.getTracer("io.courier.messaging"));
    }

    /**
     * Starts a message's trace on the node it is sent to. Always a root: the device stream's own span would otherwise
     * join every message sent on it into one trace. The sampler decides here, once for the whole trace.
     */
    public Span startSend() {
        return tracer == null ? Span.getInvalid()
                : tracer.spanBuilder("courier.send").setNoParent().setSpanKind(SpanKind.SERVER).startSpan();
    }

    /** What the message's copies carry: the span's context when it is sampled, otherwise null. */
    public static String traceparent(Span span) {
        if (!span.getSpanContext().isSampled()) {
            return null;
        }
        String[] header = new String[1];
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), header, (carrier, key, value) -> {
            if (TRACEPARENT.equals(key)) {
                carrier[0] = value;
            }
        });
        return header[0];
    }

    /**
     * {@code work} inside the step {@code name} of the message whose context is {@code traceparent}: the span ends
     * when the work does, with an error status if it fails (the exception's type only: messages may name data), and
     * {@code outcome} (if not null) set to what the work emitted. No context: {@code work} itself.
     */
    public <T> Mono<T> step(String traceparent, String name, String outcome, Mono<T> work) {
        if (tracer == null || traceparent == null) {
            return work;
        }
        return Mono.defer(() -> {
            Span span = start(traceparent, name);
            return work.doOnNext(value -> {
                if (outcome != null) {
                    span.setAttribute(outcome, String.valueOf(value));
                }
            }).doOnError(e -> span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName())).doFinally(s -> span.end());
        });
    }

    /** A step that is one moment, e.g. a frame handed to the recipient's stream. */
    public void mark(String traceparent, String name) {
        if (tracer != null && traceparent != null) {
            start(traceparent, name).end();
        }
    }

    private Span start(String traceparent, String name) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, CARRIER);
        return tracer.spanBuilder(name).setParent(parent).startSpan();
    }
}
