package io.courier.cli;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them for a disappearing timer: 30s, 5m, 8h, 7d, 4w, or off. */
final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})([smhdw])");
    private static final Map<String, Duration> UNITS = Map.of("s", Duration.ofSeconds(1), "m", Duration.ofMinutes(1),
            "h", Duration.ofHours(1), "d", Duration.ofDays(1), "w", Duration.ofDays(7));

    private Durations() {
    }

    /** @throws IllegalArgumentException saying what is expected */
    static Duration parse(String text) {
        if (text.equals("off")) {
            return Duration.ZERO;
        }
        Matcher m = FORM.matcher(text);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("use /timer N followed by s, m, h, d or w (30s, 8h, 7d), or /timer off");
        }
        return UNITS.get(m.group(2)).multipliedBy(Long.parseLong(m.group(1)));
    }

    /** The largest whole unit: 7d, 90m, 45s. */
    static String format(Duration duration) {
        long seconds = duration.toSeconds();
        for (String unit : new String[] {"w", "d", "h", "m"}) {
            long size = UNITS.get(unit).toSeconds();
            if (seconds % size == 0) {
                return seconds / size + unit;
            }
        }
        return seconds + "s";
    }
}
