"""The report as plain text for the terminal. Pure."""

from __future__ import annotations

from bridge.reports.impact import ReleaseImpact
from bridge.reports.topics import MIN_GROWTH_VOLUME, TopicReport, TopicRow
from bridge.text.catalogue import translate

LABEL_WIDTH = 40


def title(report: TopicReport) -> str:
    """"Tickets by week, 2026-W42 – 2026-W47" in the report's language."""
    first, last = report.periods[0].label, report.periods[-1].label
    span = first if first == last else f"{first} – {last}"
    lang = report.language
    return translate("reports.heading", lang, measure=translate(f"measure.{report.measure}", lang).capitalize(),
                     period=translate(f"reports.unit.{report.period}", lang), span=span)


def signed(number: float) -> str:
    return f"{number:+g}" if number else "0"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_table(report: TopicReport) -> str:
    """The title, then one line per topic (subcategories indented), then the totals; columns aligned."""
    lang = report.language
    header = [translate("group.topic", lang), *(p.label for p in report.periods), translate("reports.change", lang),
              translate("reports.change_pct", lang)]
    body = [[("" if row.is_category else "  ") + row.label, *map(str, row.counts), signed(row.change),
             percent(row.change_pct)] for row in report.rows]
    body.append([translate("reports.total", lang), *map(str, report.totals), "", ""])
    widths = [max(len(cells[i]) for cells in [header, *body]) for i in range(len(header))]
    widths[0] = min(widths[0], LABEL_WIDTH)

    def line(cells: list[str]) -> str:
        first = fit(cells[0], widths[0]).ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))]).rstrip()

    return "\n".join([title(report), "", line(header), *map(line, body)]) + "\n"


def _growing_line(rank: int, row: TopicRow) -> str:
    return (f"  {rank}. {row.full_label}: {signed(row.change)} ({percent(row.change_pct)}), "
            f"{row.counts[-2] if len(row.counts) > 1 else 0} → {row.counts[-1]}")


def text_top_growing(report: TopicReport) -> str:
    """The growing topics, one numbered line each, and the volume they needed to qualify."""
    lang = report.language
    floor = translate("reports.growth_floor", lang, volume=MIN_GROWTH_VOLUME, period=report.periods[-1].label)
    head = f"{translate('reports.top_growing', lang)} ({floor}):"
    lines = [_growing_line(rank, row) for rank, row in enumerate(report.top_growing, 1)]
    return "\n".join([head, *(lines or [f"  {translate('reports.no_growth', lang)}"])]) + "\n"


def text_impact(impact: ReleaseImpact, language: str = "en") -> str:
    """Two lines: the released epic and its topic, then the volume before and after the release."""
    def side(key: str, counts: tuple[int, ...], weekly: float) -> str:
        return (f"{translate(key, language)} ({translate('release.weeks', language, count=len(counts))}): "
                f"{sum(counts)}, {weekly:.1f} {translate('release.per_week', language)}")

    return (f"{impact.issue_key} «{impact.title}» {translate('stage.released', language)} "
            f"{impact.released_at.date().isoformat()}: {impact.label}\n"
            f"  {side('release.before', impact.before_counts, impact.weekly_before)} · "
            f"{side('release.after', impact.after_counts, impact.weekly_after)} · {percent(impact.change_pct)}\n")
