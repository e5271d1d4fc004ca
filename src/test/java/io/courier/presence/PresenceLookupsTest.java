package io.courier.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.PresenceSubscribe;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.common.Ids;
import io.courier.common.TokenBucket;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The node's cap on presence ids being looked up and its share of them a second, shared by every stream: the
 * many-address attacker of the abuse benchmark (a thousand accounts, each within its own budget, subscribing to
 * random ids) queued a quarter of a million database reads on one node, then kept its cores busy with them. Pure logic: ids that name nobody never reach the watch, so none is needed.
 */
class PresenceLookupsTest {
    /** A share these tests' frames never reach, where they are about the cap. */
    private static final TokenBucket.Limit PLENTY =
            new TokenBucket.Limit(1_000_000, Duration.ofNanos(1));
    private final AtomicInteger spent = new AtomicInteger();
    private final IntFunction<Mono<Long>> budget = ids -> {
        spent.addAndGet(ids);
        return Mono.just(0L);
    };

    @Test
    void aFrameThatDoesNotFitUnderTheNodesCapIsRefusedBeforeSpendingAnythingAndFitsOnceTheLookupsEnd()
            throws Exception {
        PresenceLookups lookups = new PresenceLookups(256, PLENTY);
        Sinks.Empty<Void> database = Sinks.empty();
        // Ids that name nobody, answered only once the "database" answers.
        Function<UUID, Mono<Boolean>> registered = account -> database.asMono().then(Mono.just(false));
        PresenceSubscriptions attacker = subscriptions(registered, lookups);
        PresenceSubscriptions honest = subscriptions(registered, lookups);

        CompletableFuture<PresenceSubscriptions.Answer> slow = attacker.replace(frame(256)).toFuture();
        assertThat(lookups.inFlight()).isEqualTo(256);

        PresenceSubscriptions.Answer refused = honest.replace(frame(1)).block(Duration.ofSeconds(5));
        assertThat(refused).isInstanceOfSatisfying(PresenceSubscriptions.Answer.Refused.class, r -> {
            assertThat(r.error().getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
            assertThat(r.error().getMessage()).isEqualTo("presence lookups are busy on this server; retry in 1 s");
        });
        assertThat(spent).as("the refused frame took nothing from its account's budget").hasValue(256);

        database.tryEmitEmpty();
        assertThat(slow.get()).isInstanceOfSatisfying(PresenceSubscriptions.Answer.Events.class,
                events -> assertThat(events.events()).hasSize(256));
        assertThat(lookups.inFlight()).isZero();
        assertThat(honest.replace(frame(1)).block(Duration.ofSeconds(5)))
                .isInstanceOf(PresenceSubscriptions.Answer.Events.class);
        assertThat(lookups.inFlight()).isZero();
    }

    @Test
    void aFrameRefusedByItsAccountsBudgetGivesItsPlacesAndTheNodesShareBack() {
        AtomicLong now = new AtomicLong();
        PresenceLookups lookups = new PresenceLookups(256, new TokenBucket.Limit(256, Duration.ofHours(1), now::get));
        PresenceSubscriptions overBudget = new PresenceSubscriptions(device(), new Presence("member", 1), null,
                account -> Mono.just(false), 256, ids -> Mono.just(1_000L), lookups);

        assertThat(overBudget.replace(frame(256)).block(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(PresenceSubscriptions.Answer.Refused.class, r -> assertThat(
                        r.error().getMessage()).isEqualTo("too many presence subscriptions; retry in 1 s"));
        assertThat(lookups.inFlight()).isZero();
        assertThat(subscriptions(account -> Mono.just(false), lookups).replace(frame(256))
                .block(Duration.ofSeconds(5))).as("the node's whole share is still there, an hour from a refill")
                .isInstanceOf(PresenceSubscriptions.Answer.Events.class);
    }

    @Test
    void manyAccountsWithinTheirBudgetsTogetherGetTheNodesShareOfLookupsASecondAndNoMore() {
        AtomicLong now = new AtomicLong();
        // 512 at once, then one id every 10 ms: 100 a second.
        PresenceLookups lookups = new PresenceLookups(1024, new TokenBucket.Limit(512, Duration.ofMillis(10),
                now::get));
        List<PresenceSubscriptions> accounts = IntStream.range(0, 3)
                .mapToObj(i -> subscriptions(account -> Mono.just(false), lookups)).toList();

        assertThat(accounts.get(0).replace(frame(256)).block(Duration.ofSeconds(5)))
                .isInstanceOf(PresenceSubscriptions.Answer.Events.class);
        assertThat(accounts.get(1).replace(frame(256)).block(Duration.ofSeconds(5)))
                .isInstanceOf(PresenceSubscriptions.Answer.Events.class);
        assertThat(accounts.get(2).replace(frame(256)).block(Duration.ofSeconds(5)))
                .as("every account is within its own budget, but the node's share is spent: 256 ids are 2.56 s away")
                .isInstanceOfSatisfying(PresenceSubscriptions.Answer.Refused.class, r -> {
                    assertThat(r.error().getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED);
                    assertThat(r.error().getMessage())
                            .isEqualTo("presence lookups are busy on this server; retry in 3 s");
                });
        assertThat(spent).as("the refused frame took nothing from its account's budget").hasValue(512);
        assertThat(lookups.inFlight()).isZero();

        now.addAndGet(Duration.ofMillis(2_550).toNanos());
        assertThat(accounts.get(2).replace(frame(256)).block(Duration.ofSeconds(5)))
                .as("one id short of a set").isInstanceOfSatisfying(PresenceSubscriptions.Answer.Refused.class,
                        r -> assertThat(r.error().getMessage())
                                .isEqualTo("presence lookups are busy on this server; retry in 1 s"));
        now.addAndGet(Duration.ofMillis(10).toNanos());
        assertThat(accounts.get(2).replace(frame(256)).block(Duration.ofSeconds(5)))
                .isInstanceOf(PresenceSubscriptions.Answer.Events.class);
        assertThat(spent).hasValue(768);
    }

    @Test
    void oneAccountsStreamsResendingTheirSetsCantKeepTheNodesCapFull() {
        PresenceLookups lookups = new PresenceLookups(1024, PLENTY);
        // The default burst and a few units of refill (under half a second's): enough to re-send a set at a cost of
        // 1, as the ids it adds used to cost, not at the cost of the ids it looks up.
        AtomicInteger budgetLeft = new AtomicInteger(1024 + 4);
        IntFunction<Mono<Long>> accountBudget = ids -> Mono.just(budgetLeft.getAndUpdate(left -> left >= ids
                ? left - ids : left) >= ids ? 0L : 1_000L);
        Sinks.Empty<Void> database = Sinks.empty();
        AtomicInteger answered = new AtomicInteger();
        // Answers at once until the test holds the "database".
        Function<UUID, Mono<Boolean>> registered = account -> (answered.get() < 1024 ? Mono.<Void>empty()
                : database.asMono()).then(Mono.fromSupplier(() -> {
                    answered.incrementAndGet();
                    return false;
                }));
        UUID account = UUID.randomUUID();
        List<PresenceSubscriptions> streams = IntStream.range(0, 4).mapToObj(device -> new PresenceSubscriptions(
                new DeviceAddress(account, device + 1), new Presence("member", 1), null, registered, 256,
                accountBudget, lookups)).toList();
        PresenceSubscribe set = frame(256);
        for (PresenceSubscriptions stream : streams) {
            assertThat(stream.replace(set).block(Duration.ofSeconds(5)))
                    .isInstanceOf(PresenceSubscriptions.Answer.Events.class);
        }

        // Each stream sends its set again while lookups are slow: each frame looks up 256 ids, so it costs 256.
        List<PresenceSubscriptions.Answer> again = streams.stream()
                .map(stream -> stream.replace(set).toFuture().getNow(null)).toList();

        assertThat(again).as("the account's budget is spent: refused at once, places given back")
                .allSatisfy(answer -> assertThat(answer).isInstanceOfSatisfying(
                        PresenceSubscriptions.Answer.Refused.class, r -> assertThat(r.error().getCode())
                                .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED)));
        assertThat(lookups.inFlight()).isZero();
        CompletableFuture<PresenceSubscriptions.Answer> other = subscriptions(registered, lookups)
                .replace(frame(256)).toFuture();
        assertThat(lookups.inFlight()).as("another account's set fits under the node's cap").isEqualTo(256);
        database.tryEmitEmpty();
        assertThat(other.join()).isInstanceOf(PresenceSubscriptions.Answer.Events.class);
    }

    private PresenceSubscriptions subscriptions(Function<UUID, Mono<Boolean>> registered, PresenceLookups lookups) {
        return new PresenceSubscriptions(device(), new Presence("member", 1), null, registered, 256, budget, lookups);
    }

    private static DeviceAddress device() {
        return new DeviceAddress(UUID.randomUUID(), 1);
    }

    private static PresenceSubscribe frame(int ids) {
        return PresenceSubscribe.newBuilder().addAllAccountIds(IntStream.range(0, ids)
                .mapToObj(i -> Ids.bytes(UUID.randomUUID())).toList()).build();
    }
}
