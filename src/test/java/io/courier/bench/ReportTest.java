package io.courier.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYSeries;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The report writer and its plots, from given histograms and series: no node, no timing. */
class ReportTest {
    private static final String MARKDOWN = """
            ## Max sustainable 1:1 rate
            | rate (msg/s) | p99 |
            |---|---|
            | 100 | 3.5 < 200 ms |
            """;

    @Test
    void writesOneWellFormedPageWithAnSvgPerPlotAndTheUnchangedText(@TempDir Path dir) throws Exception {
        RateRamp.Outcome ramp = new RateRamp.Outcome(List.of(step(50, 50, 2), step(100, 100, 3), step(200, 150, 900),
                step(141, 141, 5)), 141, "200 msg/s: p99 send→deliver 900.0 ms ≥ 200 ms");
        List<Plots.Plot> plots = new ArrayList<>();
        plots.add(Plots.percentiles("Latency distribution", List.of(Map.entry("send → deliver",
                latencies(1, 2, 3, 40)), Map.entry("raw CQL insert (floor)", latencies(1, 1, 2)))));
        plots.addAll(Plots.ramp(ramp, 200, List.of(Map.entry("raw CQL inserts/s (floor)", 5000.0))));
        plots.add(Plots.bars("Max rate beside its floors", "msg/s", List.of(Map.entry("Courier", 141.0),
                Map.entry("raw CQL", 5000.0))));

        Path file = new Report("max-rate", MARKDOWN, "max_rate=141 floor=5000", plots).write(dir);

        assertThat(file).isEqualTo(dir.resolve("max-rate.html"));
        try (var images = Files.list(dir.resolve("max-rate-plots"))) {
            assertThat(images.map(image -> image.getFileName().toString()).sorted()).containsExactly(
                    "01-latency-distribution.svg", "02-ramp-offered-and-achieved-rate-per-step.svg",
                    "03-ramp-p99-send-deliver-per-step.svg", "04-max-rate-beside-its-floors.svg");
        }
        assertThat(parse(Files.readString(dir.resolve("max-rate-plots/01-latency-distribution.svg")))
                .getDocumentElement().getTagName()).isEqualTo("svg");
        Document page = parse(Files.readString(file));
        NodeList svgs = page.getElementsByTagName("svg");
        assertThat(svgs.getLength()).isEqualTo(plots.size());
        NodeList headings = page.getElementsByTagName("h2");
        for (int i = 0; i < plots.size(); i++) {
            assertThat(headings.item(i).getTextContent()).isEqualTo(plots.get(i).title());
            assertThat(((Element) svgs.item(i)).getElementsByTagName("path").getLength())
                    .as("drawn shapes in " + plots.get(i).title()).isPositive();
        }
        assertThat(headings.item(plots.size()).getTextContent()).isEqualTo("Numbers");
        assertThat(page.getElementsByTagName("title").item(0).getTextContent())
                .isEqualTo("Courier benchmark: max-rate");
        assertThat(page.getElementsByTagName("h1").item(0).getTextContent()).isEqualTo("Max sustainable 1:1 rate");
        assertThat(page.getElementsByTagName("pre").item(0).getTextContent())
                .isEqualTo(MARKDOWN + "\nRESULT max_rate=141 floor=5000");
    }

    @Test
    void thePercentilePlotHasALinePerHistogramOnTheNinesScale() {
        Plots.Plot plot = Plots.percentiles("Distribution", List.of(Map.entry("send → SendAck", latencies(5, 6, 7)),
                Map.entry("nothing yet", latencies())));

        assertThat(plot.chart().getSeriesMap()).containsOnlyKeys("send → SendAck");
        XYSeries line = (XYSeries) plot.chart().getSeriesMap().get("send → SendAck");
        assertThat(line.getXData()[0]).isEqualTo(0); // the 0th percentile
        assertThat(line.getYData()[0]).isCloseTo(5, within(0.01));
        // three values resolve no more than 90 %: the line ends there, at the maximum
        assertThat(line.getXData()).isSorted();
        assertThat(line.getXData()[line.getXData().length - 1]).isEqualTo(1);
        assertThat(line.getYData()[line.getYData().length - 1]).isCloseTo(7, within(0.01));
        assertThat(plot.svg()).startsWith("<svg");
    }

    @Test
    void thePercentileAxisCountsNines() {
        assertThat(Plots.nines(0)).isZero();
        assertThat(Plots.nines(90)).isCloseTo(1, within(1e-9));
        assertThat(Plots.nines(99.9)).isCloseTo(3, within(1e-9));
        assertThat(List.of(0.0, 1.0, 2.0, 3.0, 4.0, 0.5)).extracting(Plots::percentileLabel)
                .containsExactly("0 %", "90 %", "99 %", "99.9 %", "99.99 %", "");
    }

    @Test
    void theRampShowsOfferedAndAchievedPerStepWithTheSustainableLineAndTheFloors() {
        RateRamp.Outcome outcome = new RateRamp.Outcome(List.of(step(50, 50, 2), step(100, 60, 400),
                step(71, 71, 3)), 71, "100 msg/s: p99");
        List<Plots.Plot> ramp = Plots.ramp(outcome, 200,
                List.of(Map.entry("raw CQL inserts/s (floor)", 5000.0), Map.entry("gRPC relay frames/s", 9000.0)));

        Map<String, XYSeries> rates = series(ramp.get(0));
        assertThat(rates).containsOnlyKeys("offered", "achieved (delivered / s)", "max sustainable 71 msg/s",
                "raw CQL inserts/s (floor)", "gRPC relay frames/s");
        assertThat(rates.get("offered").getYData()).containsExactly(50, 100, 71);
        assertThat(rates.get("achieved (delivered / s)").getYData()).containsExactly(50, 60, 71);
        assertThat(rates.get("max sustainable 71 msg/s").getYData()).containsExactly(71, 71);
        assertThat(rates.get("gRPC relay frames/s").getYData()).containsExactly(9000, 9000);
        Map<String, XYSeries> latency = series(ramp.get(1));
        assertThat(latency.get("p99 send → deliver").getXData()).containsExactly(50, 71, 100);
        assertThat(latency.get("limit 200 ms").getYData()).containsExactly(200, 200);
        assertThat(latency.get("max sustainable 71 msg/s").getXData()).containsExactly(71, 71);
    }

    @Test
    void aTimelineBecomesLatencyAndThroughputOverTime() throws Exception {
        LatencyStats deliveries = new LatencyStats();
        deliveries.recordNanos(TimeUnit.SECONDS.toNanos(1)); // before the start: not on the timeline
        Timeline timeline = Timeline.start(Duration.ofHours(1), new Timeline.Tracked("send → deliver", deliveries));
        try {
            deliveries.recordNanos(TimeUnit.MILLISECONDS.toNanos(4));
            deliveries.snapshot(); // a report's snapshot in between takes nothing from the timeline
            timeline.sample();
            timeline.sample(); // a period without deliveries: a zero rate, no latency point
        } finally {
            timeline.close();
        }

        List<Plots.Plot> plots = Plots.overTime("1:1", timeline);

        assertThat(plots).extracting(Plots.Plot::title).containsExactly("1:1: latency over time (per 3600 s)",
                "1:1: throughput over time");
        Map<String, XYSeries> latency = series(plots.get(0));
        assertThat(latency).containsOnlyKeys("send → deliver p50", "send → deliver p99");
        assertThat(latency.get("send → deliver p99").getYData()).containsExactly(new double[] { 4 }, within(0.01));
        assertThat(series(plots.get(1)).get("send → deliver").getYData()).containsExactly(1 / 3600.0, 0);
        assertThat(deliveries.snapshot().getTotalCount()).isEqualTo(2);
    }

    @Test
    void barsKeepTheOrderGiven() {
        Plots.Plot plot = Plots.bars("Fan-out beside its floor", "per second",
                List.of(Map.entry("member deliveries", 3000.0), Map.entry("raw CQL inserts (floor)", 9000.0)));

        assertThat(List.<Object>copyOf(((CategorySeries) plot.chart().getSeriesMap().get("per second")).getXData()))
                .containsExactly("member deliveries", "raw CQL inserts (floor)");
        assertThat(plot.svg()).startsWith("<svg");
    }

    private static LoadGenerator.Result step(int rate, long delivered, double p99Millis) {
        return new LoadGenerator.Result(rate, rate * 5L, delivered * 5, delivered * 5, 5.0, latencies(1, p99Millis),
                latencies(1, p99Millis), Map.of());
    }

    private static Histogram latencies(double... millis) {
        LatencyStats stats = new LatencyStats();
        for (double value : millis) {
            stats.recordNanos((long) (value * 1e6));
        }
        return stats.snapshot();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, XYSeries> series(Plots.Plot plot) {
        return (Map<String, XYSeries>) plot.chart().getSeriesMap();
    }

    /** As an XML parser reads it: proof the page is well formed, not merely that it contains tags. */
    private static Document parse(String html) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }
}
