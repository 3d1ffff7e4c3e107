"""Bar charts drawn on the server as SVG, put in the page as markup: no script, no CDN, no inline
style (the CSP allows neither); colours and sizes are SVG attributes."""

from markupsafe import Markup, escape

COLOURS = ("#1f5f8b", "#b5482f", "#2f7d4f", "#8a5a12", "#6b4c9a", "#4a6670")


def bars(title, labels, series, *, width=640, height=220):
    """Grouped bars: `labels` along the bottom (months), `series` a list of (name, values).
    Returns SVG markup with a <title> and a legend, readable by screen readers."""
    top, bottom, left, right = 16, 28, 76, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([max(values, default=0) for _name, values in series] + [1])
    group = plot_w / max(len(labels), 1)
    bar = max(2.0, (group - 6) / max(len(series), 1))
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 22 * len(series)}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#8a949c"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="12" fill="#4a5560">{peak:,}</text>'.replace(
            ",", "."
        ),
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="12" fill="#4a5560">0</text>',
    ]
    for i, label in enumerate(labels):
        x0 = left + i * group + 3
        parts.append(
            f'<text x="{x0 + (group - 6) / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="12" '
            f'fill="#4a5560">{escape(label)}</text>'
        )
        for j, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(name)} — {escape(label)}: {value}</title></rect>'
            )
    for j, (name, _values) in enumerate(series):
        y = height + 8 + 22 * j
        parts.append(f'<rect x="{left}" y="{y}" width="12" height="12" fill="{COLOURS[j % len(COLOURS)]}"/>')
        parts.append(
            f'<text x="{left + 18}" y="{y + 11}" font-size="13" fill="#20262c">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
