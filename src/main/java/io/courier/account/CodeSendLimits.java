package io.courier.account;

import io.courier.cluster.Backoff;
import io.courier.cluster.RateLimit;

/**
 * The budgets a verification code request takes from, in this order; a refusal by any one sends nothing. The
 * country's and the global SMS budgets come last, so only a code that is really sent spends them.
 */
record CodeSendLimits(RateLimit perPeer, Backoff perNumber, CountryBudgets perCountry, RateLimit global) {
    static CodeSendLimits of(AccountConfig.Limits limits) {
        return new CodeSendLimits(limits.codeRequestsPerPeer(), limits.codesPerNumber(),
                limits.codeSendsPerCountry(), limits.codeSendsGlobal());
    }
}
