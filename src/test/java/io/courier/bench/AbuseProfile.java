package io.courier.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * The benchmark profile plus production values for the budgets the abuse scenario's attackers run into, which the
 * test profile shrinks or stretches for its limit tests: presence subscriptions per account and the inbox quota.
 */
public class AbuseProfile extends BenchProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("courier.presence.subscribed-ids-burst", "1024");
        overrides.put("courier.presence.subscribed-ids-refill", "100ms");
        overrides.put("courier.messaging.inbox-max-bytes", "536870912");
        return overrides;
    }
}
