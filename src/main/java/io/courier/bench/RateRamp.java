package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the highest sustainable rate over the same open streams: steps of geometrically increasing msg/s until one
 * misses the bar (p99 send→deliver at or over the limit, or anything undelivered by the end of the step), then a few
 * bisection steps between the last good and the first bad rate. It also stops at a cap (the per-device send limit
 * times the number of senders: beyond it the server rightly refuses).
 */
public final class RateRamp {
    /**
     * @param factor  growth per step of the coarse ramp
     * @param refine  bisection steps after the first miss (each halves the gap on a log scale)
     * @param quiet   longest wait for a missed step's backlog before the next step starts
     */
    public record Settings(int startRate, double factor, int refine, int capRate, Duration step, Duration grace,
            Duration quiet, double p99LimitMillis, int payloadBytes) {
    }

    /** Every step run in order, the highest sustainable rate (0 if none was) and why the search ended there. */
    public record Outcome(List<LoadGenerator.Result> steps, int maxRate, String stopReason) {
    }

    private final Settings settings;
    private final List<LoadGenerator.Result> steps = new ArrayList<>();

    public RateRamp(Settings settings) {
        this.settings = settings;
    }

    public Outcome run(LoadGenerator load) throws InterruptedException {
        int best = 0;
        int worst = 0;
        String reason = null;
        for (int rate = settings.startRate(); reason == null; rate = Math.max(rate + 1,
                (int) Math.round(rate * settings.factor()))) {
            if (rate > settings.capRate()) {
                return new Outcome(steps, best, "reached the cap of " + settings.capRate()
                        + " msg/s (per-device send limit × senders): raise -Dbench.pairs");
            }
            reason = step(load, rate);
            if (reason == null) {
                best = rate;
            } else {
                worst = rate;
            }
        }
        for (int i = 0; i < settings.refine(); i++) {
            int rate = best == 0 ? worst / 2 : (int) Math.round(Math.sqrt((double) best * worst));
            if (rate <= best || rate >= worst) {
                break;
            }
            load.awaitQuiet(settings.quiet()); // the missed step's backlog must not count against this one
            String miss = step(load, rate);
            if (miss == null) {
                best = rate;
            } else {
                worst = rate;
                reason = miss;
            }
        }
        load.awaitQuiet(settings.quiet());
        return new Outcome(steps, best, reason);
    }

    /** Runs one step; returns why it is not sustainable, or null if it is. */
    private String step(LoadGenerator load, int rate) throws InterruptedException {
        LoadGenerator.Result step = load.run(rate, settings.step(), settings.payloadBytes(), settings.grace());
        steps.add(step);
        if (!step.allDelivered()) {
            return rate + " msg/s: " + (step.scheduled() - step.delivered()) + " of " + step.scheduled()
                    + " not delivered within " + settings.grace().toMillis() + " ms after the step"
                    + (step.refused().isEmpty() ? "" : " (refused: " + step.refused() + ")");
        }
        if (step.p99DeliverMillis() >= settings.p99LimitMillis()) {
            return String.format("%d msg/s: p99 send→deliver %.1f ms ≥ %.0f ms", rate, step.p99DeliverMillis(),
                    settings.p99LimitMillis());
        }
        return null;
    }
}
