"""The report as an inline SVG chart: one stacked bar per period, one colour per category. Pure; no script."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from bridge.reports.text import fit, title
from bridge.reports.topics import TopicReport

# Okabe–Ito colours, readable by colour-blind people, then a few more distinct ones.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#332288",
           "#117733", "#882255")
LEFT, TOP, BOTTOM, LEGEND = 44, 36, 28, 220


def nice_step(top: int, ticks: int = 5) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ step that covers `top` in at most `ticks` steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude * ticks >= top:
                return factor * magnitude
        magnitude *= 10


def _text(x: float, y: float, content: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(content)}</text>'


def svg_chart(report: TopicReport, *, width: int = 900, height: int = 320) -> str:
    """An accessible SVG (role img, <title> and <desc>): y axis with gridlines, a stacked bar per period
    with its total above, each segment with a <title> tooltip, and a legend of categories on the right."""
    heading = title(report)
    categories = report.category_rows
    plot_w, plot_h = width - LEFT - LEGEND, height - TOP - BOTTOM
    peak = max(*report.totals, 1)
    step = nice_step(peak)
    top = step * math.ceil(peak / step)
    scale = plot_h / top
    base = TOP + plot_h
    slot = plot_w / len(report.periods)
    desc = "; ".join(f"{p.label}: {n}" for p, n in zip(report.periods, report.totals, strict=True))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(heading)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        _text(LEFT, 20, heading, extra=' font-size="14" font-weight="bold"'),
    ]
    for value in range(0, top + 1, step):
        y = base - value * scale
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(_text(LEFT - 6, y + 4, str(value), "end", ' fill="#555"'))
    for index, period in enumerate(report.periods):
        x = LEFT + index * slot + slot * 0.2
        y = base
        for number, row in enumerate(categories):
            count = row.counts[index]
            if count:
                y -= count * scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}" height="{count * scale:.1f}" '
                    f'fill="{PALETTE[number % len(PALETTE)]}"><title>{escape(row.label)}, '
                    f'{escape(period.label)}: {count}</title></rect>')
        parts.append(_text(x + slot * 0.3, y - 4, str(report.totals[index]), "middle", ' font-weight="bold"'))
        parts.append(_text(x + slot * 0.3, base + 18, period.label, "middle"))
    for number, row in enumerate(categories):
        y = TOP + 8 + number * 20
        parts.append(f'<rect x="{width - LEGEND + 16}" y="{y - 10}" width="12" height="12" '
                     f'fill="{PALETTE[number % len(PALETTE)]}"/>')
        parts.append(_text(width - LEGEND + 34, y, fit(f"{row.label} ({sum(row.counts)})", LEGEND // 7)))
    parts.append("</svg>")
    return "\n".join(parts)
