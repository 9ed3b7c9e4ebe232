"""Charts for the quality pages, drawn on the server as inline SVG (no script, no CDN).

Plain functions from numbers to markup. Every piece of text that comes from data (annotator names,
series names) is escaped; values are formatted here. A value of ``None`` is "not defined" and is
drawn as a gap (lines) or a hatched grey cell (heatmap), with the reason in its tooltip when given.
"""
from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4b5563"]


@dataclass
class Series:
    name: str
    values: list[float | None]  # one per x label; None leaves a gap
    color: str = ""


@dataclass
class LineChart:
    x_labels: list[str]
    series: list[Series]
    y_min: float | None = None
    y_max: float | None = None
    title: str = ""
    width: int = 560
    height: int = 200
    reference: list[tuple[float, str]] = field(default_factory=list)  # horizontal lines (value, label)


def _px(value: float) -> str:
    """A coordinate as SVG text (format_html escapes its arguments, so numbers are formatted first)."""
    return f"{value:.1f}"


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:.0f}"


def _bounds(chart: LineChart) -> tuple[float, float]:
    values = [v for s in chart.series for v in s.values if v is not None] + [v for v, _ in chart.reference]
    low = chart.y_min if chart.y_min is not None else min(values, default=0.0)
    high = chart.y_max if chart.y_max is not None else max(values, default=1.0)
    if high <= low:
        high = low + 1.0
    return low, high


def line_chart(chart: LineChart) -> SafeString:
    """A line chart with a y axis of three ticks, x labels at both ends, a legend, and a point per value
    (its tooltip gives the exact figure)."""
    left, right, top, bottom = 40, 10, 22 if chart.title else 8, 34
    width, height = chart.width, chart.height
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = _bounds(chart)
    n = len(chart.x_labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (min(max(v, low), high) - low) / (high - low))

    parts = []
    if chart.title:
        parts.append(format_html('<text class="chart-title" x="{}" y="14">{}</text>', left, chart.title))
    for tick in (low, (low + high) / 2, high):
        parts.append(format_html(
            '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
            left, width - right, _px(y(tick)), _px(y(tick)), left - 4, _px(y(tick) + 4), _fmt(tick),
        ))
    for value, label in chart.reference:
        parts.append(format_html(
            '<line class="reference" x1="{}" x2="{}" y1="{}" y2="{}"><title>{}</title></line>',
            left, width - right, _px(y(value)), _px(y(value)), f"{label}: {_fmt(value)}",
        ))
    if n:
        parts.append(format_html('<text class="tick" x="{}" y="{}">{}</text>', left, height - 18, chart.x_labels[0]))
        if n > 1:
            parts.append(format_html('<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                                     width - right, height - 18, chart.x_labels[-1]))
    if not any(v is not None for s in chart.series for v in s.values):
        parts.append(format_html('<text class="empty" x="{}" y="{}" text-anchor="middle">{}</text>',
                                 _px(left + plot_w / 2), _px(top + plot_h / 2), "No data yet"))
    legend_x = left
    for index, series in enumerate(chart.series):
        color = series.color or PALETTE[index % len(PALETTE)]
        segments, current = [], []
        for i, value in enumerate(series.values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((x(i), y(value)))
        if current:
            segments.append(current)
        for segment in segments:
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
            parts.append(format_html('<polyline class="series" points="{}" stroke="{}"/>', points, color))
        for i, value in enumerate(series.values):
            if value is not None:
                parts.append(format_html(
                    '<circle cx="{}" cy="{}" r="2.5" fill="{}"><title>{} · {}: {}</title></circle>',
                    _px(x(i)), _px(y(value)), color, series.name, chart.x_labels[i] if i < n else "", _fmt(value),
                ))
        parts.append(format_html(
            '<rect x="{}" y="{}" width="10" height="3" fill="{}"/><text class="legend" x="{}" y="{}">{}</text>',
            legend_x, height - 6, color, legend_x + 14, height - 2, series.name,
        ))
        legend_x += 24 + 7 * len(series.name)
    label = chart.title or "chart"
    return format_html(
        '<svg class="chart line-chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">{}</svg>',
        width, height, label, mark_safe("".join(parts)),
    )


def _cell_color(value: float, low: float, high: float) -> str:
    """Red (low) → amber → green (high), as an rgb() string."""
    t = 0.0 if high <= low else (min(max(value, low), high) - low) / (high - low)
    if t < 0.5:
        r, g, b = 220, int(80 + 2 * t * 140), 60
    else:
        r, g, b = int(220 - (t - 0.5) * 2 * 180), 200, int(60 + (t - 0.5) * 2 * 40)
    return f"rgb({r},{g},{b})"


def heatmap(names: list[str], values: list[list[float | None]], *, low: float = 0.0, high: float = 1.0,
            title: str = "", reasons: list[list[str]] | None = None,
            counts: list[list[int]] | None = None) -> SafeString:
    """A square annotator × annotator grid; cell (i, j) holds ``values[i][j]`` (None: not defined, with
    ``reasons[i][j]`` in its tooltip), and ``counts[i][j]`` shared items when given."""
    cell = 34 if len(names) <= 12 else 22
    label_w = min(140, 12 + 7 * max((len(n) for n in names), default=4))
    top = label_w
    size = len(names) * cell
    width, height = label_w + size + 4, top + size + 4
    parts = [mark_safe(
        '<defs><pattern id="hm-none" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#eee"/><path d="M0 6L6 0" stroke="#ccc"/></pattern></defs>'
    )]
    for i, name in enumerate(names):
        parts.append(format_html(
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
            label_w - 4, _px(top + i * cell + cell / 2 + 4), name,
        ))
        cx = label_w + i * cell + cell / 2
        parts.append(format_html(
            '<text class="tick" transform="translate({},{}) rotate(-60)">{}</text>', _px(cx + 3), top - 4, name,
        ))
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            x, y = label_w + j * cell, top + i * cell
            n = counts[i][j] if counts else 0
            shared = f" · {n} shared item{'s' if n != 1 else ''}" if n else ""
            pair = f"{names[i]} × {names[j]}"
            if value is None:
                reason = reasons[i][j] if reasons and reasons[i][j] else "not defined"
                parts.append(format_html(
                    '<rect class="cell none" x="{}" y="{}" width="{}" height="{}" fill="url(#hm-none)">'
                    '<title>{}: {}{}</title></rect>', x, y, cell - 1, cell - 1, pair, reason, shared,
                ))
                continue
            parts.append(format_html(
                '<rect class="cell" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}{}</title></rect>',
                x, y, cell - 1, cell - 1, _cell_color(value, low, high), pair, _fmt(value), shared,
            ))
            if cell >= 30:
                parts.append(format_html(
                    '<text class="cell-value" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _px(x + cell / 2), _px(y + cell / 2 + 4), _fmt(value),
                ))
    return format_html(
        '<svg class="chart heatmap" viewBox="0 0 {} {}" width="{}" role="img" aria-label="{}">{}</svg>',
        width, height, round(width * 1.5), title or "agreement heatmap",
        format_html_join("", "{}", ((p,) for p in parts)),
    )

