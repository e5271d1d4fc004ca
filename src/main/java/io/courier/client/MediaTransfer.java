package io.courier.client;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An upload or download: {@code result} runs it (once, however often it is subscribed); {@code progress} tells how
 * far it is, replaying the latest value to late subscribers and completing with the transfer.
 */
public record MediaTransfer<T>(Flux<Progress> progress, Mono<T> result) {
    /** Bytes moved so far (a resumed upload counts what it sends again) and the blob's size. */
    public record Progress(long bytes, long total) {
    }
}
