package io.courier.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * Production settings, except that the per-device limits which cut a garbage writer off are lifted: the fuzz run
 * measures what garbage costs the node when all of it reaches the decoder and the refusal path.
 * (GarbageFramesTest checks that the limits do cut it off.)
 */
public class FuzzProfile extends BenchProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("courier.edge.max-refused-burst", "1000000000");
        overrides.put("courier.edge.stream-open-burst", "1000000000");
        overrides.put("courier.edge.stream-open-refill", "1ms");
        overrides.put("courier.edge.node-reopen-burst", "1000000000");
        return overrides;
    }
}
