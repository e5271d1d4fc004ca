package io.courier.messaging;

import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import io.courier.api.v1.MessageStatus;
import io.courier.api.v1.RecipientStatus;
import io.courier.cluster.RateLimiter;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GetMessageStatus}: the tick state of messages the caller's account sent. Each id asked costs a ledger
 * lookup, so each one costs a unit of the account's cluster-wide budget of status lookups.
 */
public final class MessageStatuses {
    private final ReceiptLedger ledger;
    private final RateLimiter limiter;
    private final MessagingConfig config;

    MessageStatuses(ReceiptLedger ledger, RateLimiter limiter, MessagingConfig config) {
        this.ledger = ledger;
        this.limiter = limiter;
        this.config = config;
    }

    /** Current tick state of messages {@code account} sent; unknown or expired ids are left out. */
    public Mono<List<MessageStatus>> of(UUID account, List<Long> serverIds) {
        if (serverIds.size() > config.maxStatusIds()) {
            return Mono.error(Rejections.invalidArgument("at most " + config.maxStatusIds()
                    + " server_ids per call"));
        }
        TreeSet<Long> ids = new TreeSet<>(serverIds);
        if (ids.isEmpty()) {
            return Mono.just(List.of());
        }
        return limiter.acquire(config.statusLookups(), account.toString(), ids.size())
                .thenMany(Flux.fromIterable(ids))
                .flatMapSequential(serverId -> ledger.statuses(account, serverId)
                        .filter(recipients -> !recipients.isEmpty())
                        .map(recipients -> {
                            MessageStatus.Builder status = MessageStatus.newBuilder().setServerId(serverId);
                            recipients.forEach(r -> status.addRecipients(RecipientStatus.newBuilder()
                                    .setAccountId(Ids.bytes(r.recipient())).setState(r.state())
                                    .setUpdatedAtMs(r.updatedAt().toEpochMilli())));
                            return status.build();
                        }))
                .collectList();
    }
}
