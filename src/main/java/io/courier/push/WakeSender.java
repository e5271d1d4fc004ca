package io.courier.push;

import reactor.core.publisher.Mono;

/** Sends one content-free wake-up to a token of its platform; never fails, every outcome is a {@link WakeResult}. */
interface WakeSender extends AutoCloseable {
    Mono<WakeResult> wake(String token);

    @Override
    void close();
}
