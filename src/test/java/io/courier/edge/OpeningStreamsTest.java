package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class OpeningStreamsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void opensBeyondTheLimitWaitAndGetInInArrivalOrderAsSlotsAreReleased() throws Exception {
        OpeningStreams opening = new OpeningStreams(2);
        OpeningStreams.Slot first = opening.acquire().toCompletableFuture().getNow(null);
        OpeningStreams.Slot second = opening.acquire().toCompletableFuture().getNow(null);
        CompletableFuture<OpeningStreams.Slot> third = opening.acquire().toCompletableFuture();
        CompletableFuture<OpeningStreams.Slot> fourth = opening.acquire().toCompletableFuture();

        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(third).isNotDone();
        assertThat(fourth).isNotDone();

        first.release();
        third.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(fourth).isNotDone();

        second.release();
        assertThat(fourth.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
    }

    @Test
    void aSlotReleasedTwiceFreesOnePlace() throws Exception {
        OpeningStreams opening = new OpeningStreams(1);
        OpeningStreams.Slot only = opening.acquire().toCompletableFuture().getNow(null);
        List<CompletableFuture<OpeningStreams.Slot>> waiting = new ArrayList<>();
        waiting.add(opening.acquire().toCompletableFuture());
        waiting.add(opening.acquire().toCompletableFuture());

        only.release();
        only.release(); // at its QueueEmpty and again at its end

        waiting.get(0).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(waiting.get(1)).isNotDone();
    }

    @Test
    void aLimitBelowOneIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new OpeningStreams(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("courier.edge.max-opening-streams");
    }
}
