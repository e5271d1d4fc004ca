package io.courier.bench;

import java.awt.BasicStroke;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.VectorGraphicsEncoder.VectorGraphicsFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The plots of a benchmark report, drawn by XChart as SVG: latency percentile distributions, latency and throughput
 * over time, the max-rate ramp, and a measurement beside its floors. Each takes what a scenario already has
 * (histograms, a {@link Timeline}, a {@link RateRamp.Outcome}) so no scenario draws anything itself.
 */
final class Plots {
    /** One plot: XChart's model of it (its title is the report's heading for it, not drawn in the image). */
    record Plot(Chart<?, ?> chart) {
        String title() {
            return chart.getTitle();
        }

        /** The chart as an SVG element (no XML prolog or doctype: it goes inside an HTML page). */
        String svg() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsFormat.SVG);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String document = out.toString(StandardCharsets.UTF_8);
            return DECIMAL.matcher(document.substring(document.indexOf("<svg"))).replaceAll(number -> BigDecimal
                    .valueOf(Double.parseDouble(number.group())).setScale(1, RoundingMode.HALF_UP)
                    .stripTrailingZeros().toPlainString());
        }
    }

    enum Style {
        /** Points joined by a line. */
        LINE,
        /** Points only: separate measurements. */
        MARKERS,
        /** A dashed line: a limit or a floor to read the measurement against. */
        REFERENCE
    }

    record Series(String name, double[] x, double[] y, Style style) {
        /** A horizontal reference line at {@code y} across {@code [fromX, toX]}. */
        static Series level(String name, double y, double fromX, double toX) {
            return new Series(name, new double[] { fromX, toX }, new double[] { y, y }, Style.REFERENCE);
        }

        /** A vertical reference line at {@code x} across {@code [fromY, toY]}. */
        static Series at(String name, double x, double fromY, double toY) {
            return new Series(name, new double[] { x, x }, new double[] { fromY, toY }, Style.REFERENCE);
        }
    }

    /**
     * Coordinates are written to 0.1 px: VectorGraphics2D writes full doubles, and XChart draws every glyph as a
     * path, which makes an unrounded plot twice as large.
     */
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+\\.\\d+");
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;

    private Plots() {
    }

    /**
     * Latency against percentile on a "number of nines" scale (x = log10(1 / (1 - p)): 0 %, 90 %, 99 %, 99.9 % …
     * equally spaced), one line per named histogram in the order given; empty histograms are left out. Each line
     * ends, at its maximum, where its count stops resolving percentiles (99.9 % for a thousand values).
     */
    static Plot percentiles(String title, List<Map.Entry<String, Histogram>> latencies) {
        List<Series> series = latencies.stream().filter(named -> named.getValue().getTotalCount() > 0)
                .map(named -> percentileSeries(named.getKey(), named.getValue())).toList();
        XYChart chart = xyChart(title, "percentile", "latency (ms)", series);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(Plots::percentileLabel).setXAxisMin(0.0)
                .setYAxisMin(0.0);
        return new Plot(chart);
    }

    /** A load run's SendAck and delivery latencies, with what it is read against (floors, a baseline) beside. */
    static Plot percentiles(String title, LoadGenerator.Result run, List<Map.Entry<String, Histogram>> beside) {
        List<Map.Entry<String, Histogram>> lines = new ArrayList<>(List.of(Map.entry("send → SendAck", run.sendAck()),
                Map.entry("send → deliver", run.delivery())));
        lines.addAll(beside);
        return percentiles(title, lines);
    }

    /** A load run's latencies beside the same load's without what the scenario adds ({@code under}). */
    static Plot againstBaseline(String title, String under, LoadGenerator.Result baseline,
            LoadGenerator.Result measured) {
        return percentiles(title, List.of(Map.entry("send → deliver, baseline", baseline.delivery()),
                Map.entry("send → deliver, " + under, measured.delivery()),
                Map.entry("send → SendAck, baseline", baseline.sendAck()),
                Map.entry("send → SendAck, " + under, measured.sendAck())));
    }

    /** x of a percentile on the nines scale: 0 % → 0, 90 % → 1, 99 % → 2, 99.9 % → 3. */
    static double nines(double percentile) {
        return -Math.log10(1 - percentile / 100);
    }

    /** The label of a whole number of nines: 0 → "0 %", 1 → "90 %", 3 → "99.9 %"; ticks in between get none. */
    static String percentileLabel(double nines) {
        if (Math.abs(nines - Math.rint(nines)) > 1e-9 || nines < 0) {
            return "";
        }
        int decimals = Math.max(0, (int) Math.rint(nines) - 2);
        return String.format(Locale.ROOT, "%." + decimals + "f %%", 100 * (1 - Math.pow(10, -nines)));
    }

    private static Series percentileSeries(String name, Histogram histogram) {
        double end = Math.max(1, Math.log10(histogram.getTotalCount()));
        List<double[]> points = new ArrayList<>();
        for (HistogramIterationValue value : histogram.percentiles(5)) {
            double x = Math.min(end, nines(value.getPercentileLevelIteratedTo()));
            points.add(new double[] { x, histogram.highestEquivalentValue(value.getValueIteratedTo()) / 1000.0 });
            if (x >= end) {
                break;
            }
        }
        points.add(new double[] { end, histogram.getMaxValue() / 1000.0 });
        return new Series(name, column(points, 0), column(points, 1), Style.LINE);
    }

    /**
     * Two plots of a timeline: p50 and p99 latency per period of each tracked recorder (periods without values
     * left out), and values per second of each.
     */
    static List<Plot> overTime(String what, Timeline timeline) {
        Duration period = timeline.period();
        List<Series> latency = new ArrayList<>();
        List<Series> throughput = new ArrayList<>();
        timeline.points().forEach((name, points) -> {
            List<Timeline.Point> measured = points.stream().filter(p -> p.count() > 0).toList();
            // Points, not lines: a quiet stretch has no latency, and a line would draw one across it.
            latency.add(series(name + " p50", measured, Timeline.Point::p50Millis, Style.MARKERS));
            latency.add(series(name + " p99", measured, Timeline.Point::p99Millis, Style.MARKERS));
            throughput.add(series(name, points, p -> p.perSecond(period), Style.LINE));
        });
        String per = period.toMillis() % 1000 == 0 ? period.toSeconds() + " s" : period.toMillis() + " ms";
        return List.of(xy(what + ": latency over time (per " + per + ")", "time (s)", "latency (ms)", false, latency),
                xy(what + ": throughput over time", "time (s)", "per second", false, throughput));
    }

    private static Series series(String name, List<Timeline.Point> points, ToDoubleFunction<Timeline.Point> y,
            Style style) {
        return new Series(name, points.stream().mapToDouble(Timeline.Point::atSeconds).toArray(),
                points.stream().mapToDouble(y).toArray(), style);
    }

    /**
     * The max-rate ramp: offered and achieved rate of each step in the order run, with the highest sustainable rate
     * and the floors as levels; and each step's p99 send→deliver against its offered rate, with the limit and the
     * sustainable rate marked.
     */
    static List<Plot> ramp(RateRamp.Outcome ramp, double p99LimitMillis, List<Map.Entry<String, Double>> floors) {
        List<LoadGenerator.Result> steps = ramp.steps();
        double[] index = new double[steps.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = i + 1;
        }
        double last = Math.max(1, steps.size());
        List<Series> rates = new ArrayList<>();
        rates.add(new Series("offered", index, steps.stream().mapToDouble(LoadGenerator.Result::rate).toArray(),
                Style.LINE));
        rates.add(new Series("achieved (delivered / s)", index,
                steps.stream().mapToDouble(s -> s.delivered() / s.seconds()).toArray(), Style.LINE));
        rates.add(Series.level("max sustainable " + ramp.maxRate() + " msg/s", ramp.maxRate(), 1, last));
        floors.forEach(floor -> rates.add(Series.level(floor.getKey(), floor.getValue(), 1, last)));

        List<LoadGenerator.Result> byRate = steps.stream()
                .sorted(Comparator.comparingInt(LoadGenerator.Result::rate)).toList();
        double[] offered = byRate.stream().mapToDouble(LoadGenerator.Result::rate).toArray();
        double[] p99 = byRate.stream().mapToDouble(LoadGenerator.Result::p99DeliverMillis).toArray();
        double highestP99 = Math.max(p99LimitMillis, Arrays.stream(p99).max().orElse(0));
        double lowestP99 = Math.min(p99LimitMillis, Arrays.stream(p99).min().orElse(1));
        List<Series> latency = new ArrayList<>();
        latency.add(new Series("p99 send → deliver", offered, p99, Style.LINE));
        latency.add(Series.level("limit " + Math.round(p99LimitMillis) + " ms", p99LimitMillis,
                offered.length == 0 ? 1 : offered[0], offered.length == 0 ? 1 : offered[offered.length - 1]));
        if (ramp.maxRate() > 0) {
            latency.add(Series.at("max sustainable " + ramp.maxRate() + " msg/s", ramp.maxRate(), lowestP99,
                    highestP99));
        }
        return List.of(xy("Ramp: offered and achieved rate per step", "step (in the order run)", "msg/s", true,
                rates), xy("Ramp: p99 send → deliver per step", "offered msg/s", "p99 (ms)", true, latency));
    }

    /** A measurement beside its floors (or any few values of one unit), one bar each in the order given. */
    static Plot bars(String title, String unit, List<Map.Entry<String, Double>> values) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(unit)
                .build();
        style(chart.getStyler());
        chart.getStyler().setLabelsVisible(true).setYAxisMin(0.0);
        chart.getStyler().setLegendVisible(false).setDecimalPattern("#,##0");
        chart.addSeries(unit, values.stream().map(Map.Entry::getKey).toList(),
                values.stream().map(Map.Entry::getValue).toList());
        return new Plot(chart);
    }

    /** Any series against any axis: the other plots are made of this. */
    static Plot xy(String title, String xTitle, String yTitle, boolean logY, List<Series> series) {
        XYChart chart = xyChart(title, xTitle, yTitle, series);
        if (logY && series.stream().allMatch(s -> Arrays.stream(s.y()).allMatch(y -> y > 0))) {
            chart.getStyler().setYAxisLogarithmic(true).setYAxisDecimalPattern("#,##0");
        }
        return new Plot(chart);
    }

    private static XYChart xyChart(String title, String xTitle, String yTitle, List<Series> series) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        for (Series s : series) {
            if (s.x().length == 0) {
                continue; // XChart refuses an empty series; an empty run simply has no line
            }
            XYSeries drawn = chart.addSeries(s.name(), s.x(), s.y());
            switch (s.style()) {
                case LINE -> drawn.setMarker(s.x().length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
                case MARKERS -> drawn.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                case REFERENCE -> {
                    drawn.setMarker(SeriesMarkers.NONE);
                    drawn.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
                            SeriesLines.DASH_DASH.getDashArray(), 0));
                }
            }
        }
        return chart;
    }

    private static void style(AxesChartStyler styler) {
        styler.setLocale(Locale.ROOT).setXAxisDecimalPattern("#,##0.##").setYAxisDecimalPattern("#,##0.##")
                .setChartTitleVisible(false).setLegendPosition(Styler.LegendPosition.OutsideS)
                .setLegendLayout(Styler.LegendLayout.Horizontal).setChartBackgroundColor(java.awt.Color.WHITE)
                .setLegendFont(styler.getLegendFont().deriveFont(11f));
    }

    private static double[] column(List<double[]> points, int i) {
        return points.stream().mapToDouble(p -> p[i]).toArray();
    }
}
