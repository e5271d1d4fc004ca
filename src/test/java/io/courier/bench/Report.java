package io.courier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    String html() {
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
        for (Plots.Plot plot : plots) {
            html.append("<h2>").append(escape(plot.title())).append("</h2>\n<figure>\n").append(plot.svg())
                    .append("\n</figure>\n");
        }
        html.append("<h2>Numbers</h2>\n<pre>").append(escape(markdown)).append("\nRESULT ").append(escape(result))
                .append("</pre>\n</body>\n</html>\n");
        return html.toString();
    }

    /** Writes {@code <dir>/<name>.html}. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name + ".html"), html());
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
