package io.courier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A benchmark's HTML report: its plots as inline SVG, then the same text as its markdown (table and RESULT line), in
 * one file that opens anywhere without a network or a script.
 */
record Report(String name, String markdown, String result, List<Plots.Plot> plots) {
    /** The heading of the markdown ({@code ## …}), or the scenario's name. */
    String title() {
        return markdown.lines().filter(line -> line.startsWith("#")).findFirst()
                .map(line -> line.replaceFirst("^#+\\s*", "")).orElse(name);
    }

    private String html(List<String> svgs) {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8"/>
                <title>Courier benchmark: %s</title>
                <style>
                body { font-family: sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }
                figure { margin: 1em 0 2em; }
                figure svg { max-width: 100%%; height: auto; }
                pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 85%%; }
                </style>
                </head>
                <body>
                <h1>%s</h1>
                """.formatted(escape(name), escape(title())));
        for (int i = 0; i < plots.size(); i++) {
            html.append("<h2>").append(escape(plots.get(i).title())).append("</h2>\n<figure>\n").append(svgs.get(i))
                    .append("\n</figure>\n");
        }
        html.append("<h2>Numbers</h2>\n<pre>").append(escape(markdown)).append("\nRESULT ").append(escape(result))
                .append("</pre>\n</body>\n</html>\n");
        return html.toString();
    }

    /**
     * Writes {@code <dir>/<name>.html}, and each plot as an SVG file of its own in {@code <dir>/<name>-plots/}
     * (numbered in the page's order, named after its title) for pages that show one, like docs/benchmarks.md.
     */
    Path write(Path dir) throws IOException {
        List<String> svgs = plots.stream().map(Plots.Plot::svg).toList();
        Path images = Files.createDirectories(dir.resolve(name + "-plots"));
        for (int i = 0; i < svgs.size(); i++) {
            String slug = plots.get(i).title().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                    .replaceAll("^-|-$", "");
            Files.writeString(images.resolve("%02d-%s.svg".formatted(i + 1, slug)),
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svgs.get(i));
        }
        return Files.writeString(dir.resolve(name + ".html"), html(svgs));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
