package io.courier.account;

import io.courier.cluster.RateLimit;

/** The budgets every verification code send takes from, in this order; a refusal by any one sends nothing. */
record CodeSendLimits(RateLimit perPeer, RateLimit perNumber, RateLimit perCountry, RateLimit global) {
    static CodeSendLimits of(AccountConfig.Limits limits) {
        return new CodeSendLimits(limits.codeRequestsPerPeer(), limits.codeRequestsPerNumber(),
                limits.codeSendsPerCountry(), limits.codeSendsGlobal());
    }
}
