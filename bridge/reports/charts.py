"""The report as an inline SVG chart: one stacked bar per period, one colour per category; a partial last period
is drawn paler, its label starred and explained under the title. Pure; no script."""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from bridge.reports.text import fit, period_headings, title
from bridge.reports.topics import TopicReport

# Okabe–Ito colours, readable by colour-blind people, then a few more distinct ones.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#332288",
           "#117733", "#882255")
LEFT, TOP, BOTTOM, LEGEND = 44, 48, 28, 220   # TOP leaves room for the title and the partial note
CROWDED = 64       # below this many pixels per period, period labels are turned to fit


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


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits: `base` is the y of zero, `scale` pixels per count, `slot` pixels per period."""

    width: int
    plot_width: float
    base: float
    scale: float
    slot: float
    step: int
    top: int

    @classmethod
    def of(cls, report: TopicReport, width: int, height: int) -> _Frame:
        plot_width = width - LEFT - LEGEND
        slot = plot_width / len(report.periods)
        plot_height = height - TOP - BOTTOM * (2 if slot < CROWDED else 1)
        peak = max(*report.totals, 1)
        step = nice_step(peak)
        top = step * math.ceil(peak / step)
        return cls(width, plot_width, TOP + plot_height, plot_height / top, slot, step, top)


def _grid(frame: _Frame) -> list[str]:
    parts = []
    for value in range(0, frame.top + 1, frame.step):
        y = frame.base - value * frame.scale
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + frame.plot_width:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(_text(LEFT - 6, y + 4, str(value), "end", ' fill="#555"'))
    return parts


def _bars(report: TopicReport, frame: _Frame) -> list[str]:
    parts = []
    headings = period_headings(report)
    for index, period in enumerate(report.periods):
        x, y, middle = LEFT + frame.slot * (index + 0.2), frame.base, LEFT + frame.slot * (index + 0.5)
        partial = report.partial is not None and index == len(report.periods) - 1
        shade = ' fill-opacity="0.5"' if partial else ""
        for number, row in enumerate(report.category_rows):
            count = row.counts[index]
            if count:
                y -= count * frame.scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{frame.slot * 0.6:.1f}" '
                    f'height="{count * frame.scale:.1f}" fill="{PALETTE[number % len(PALETTE)]}"{shade}>'
                    f'<title>{escape(row.label)}, {escape(headings[index])}: {count}</title></rect>')
        parts.append(_text(middle, y - 4, str(report.totals[index]), "middle", ' font-weight="bold"'))
        below, label = frame.base + 18, period.label + ("*" if partial else "")
        parts.append(_text(middle, below, label, "end", f' transform="rotate(-35 {middle:.1f} {below:.1f})"')
                     if frame.slot < CROWDED else _text(middle, below, label, "middle"))
    return parts


def _partial_note(report: TopicReport) -> list[str]:
    """"* 2026-11 (partial: 3 of 30 days)" under the title, when the last period is partial."""
    if report.partial is None:
        return []
    return [_text(LEFT, 38, f"* {period_headings(report)[-1]}", extra=' fill="#555"')]


def _legend(report: TopicReport, frame: _Frame) -> list[str]:
    parts = []
    left = frame.width - LEGEND + 16
    for number, row in enumerate(report.category_rows):
        y = TOP + 8 + number * 20
        parts.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" '
                      f'fill="{PALETTE[number % len(PALETTE)]}"/>')
        parts.append(_text(left + 18, y, fit(f"{row.label} ({sum(row.counts)})", LEGEND // 7)))
    return parts


def svg_chart(report: TopicReport, *, width: int = 900, height: int = 320) -> str:
    """An accessible SVG (role img, <title> and <desc>): y axis with gridlines, a stacked bar per period
    with its total above, each segment with a <title> tooltip, and a legend of categories on the right.
    Every label is XML-escaped."""
    heading = title(report)
    frame = _Frame.of(report, width, height)
    desc = "; ".join(f"{h}: {n}" for h, n in zip(period_headings(report), report.totals, strict=True))
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(heading)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        _text(LEFT, 20, heading, extra=' font-size="14" font-weight="bold"'),
        *_partial_note(report), *_grid(frame), *_bars(report, frame), *_legend(report, frame),
        "</svg>",
    ])
