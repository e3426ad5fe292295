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


def period_headings(report: TopicReport) -> list[str]:
    """A heading per period, the partial last one marked: "2026-11 (partial: 3 of 30 days)"."""
    headings = [p.label for p in report.periods]
    if report.partial is not None:
        partial = report.partial
        headings[-1] += f" ({translate('reports.partial', report.language, days=partial.days, total=partial.total)})"
    return headings


def count_headings(report: TopicReport) -> list[str]:
    """The period headings, then, while the last period is partial, its baseline's: "2026-10-01 – 2026-10-03
    (same days)"."""
    if report.partial is None:
        return period_headings(report)
    baseline = translate("reports.baseline", report.language, span=report.partial.baseline.label)
    return [*period_headings(report), baseline]


def row_counts(report: TopicReport, row: TopicRow) -> list[int]:
    """The row's count per period, then its baseline while the last period is partial."""
    return [*row.counts, *([row.before] if report.partial else [])]


def total_counts(report: TopicReport) -> list[int]:
    return [*report.totals, *([report.baseline_total or 0] if report.partial else [])]


def notes(report: TopicReport) -> list[str]:
    """What a reader must know to read the figures: the partial period and its baseline, undated rows."""
    lang, partial, found = report.language, report.partial, []
    if partial is not None:
        found.append(translate("reports.partial_note", lang, period=report.periods[-1].label, days=partial.days,
                               total=partial.total, span=partial.baseline.label))
    if report.undated:
        found.append(translate("reports.undated_note", lang, count=report.undated,
                               measure=translate(f"measure.{report.measure}", lang)))
    return found


def text_table(report: TopicReport) -> str:
    """The title, then one line per topic (subcategories indented), then the totals, columns aligned; then the
    notes (partial period, undated rows)."""
    lang = report.language
    header = [translate("group.topic", lang), *count_headings(report), translate("reports.change", lang),
              translate("reports.change_pct", lang)]
    body = [[("" if row.is_category else "  ") + row.label, *map(str, row_counts(report, row)), signed(row.change),
             percent(row.change_pct)] for row in report.rows]
    body.append([translate("reports.total", lang), *map(str, total_counts(report)), "", ""])
    widths = [max(len(cells[i]) for cells in [header, *body]) for i in range(len(header))]
    widths[0] = min(widths[0], LABEL_WIDTH)

    def line(cells: list[str]) -> str:
        first = fit(cells[0], widths[0]).ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))]).rstrip()

    said = notes(report)
    return "\n".join([title(report), "", line(header), *map(line, body), *(["", *said] if said else [])]) + "\n"


def _growing_line(rank: int, row: TopicRow) -> str:
    return (f"  {rank}. {row.full_label}: {signed(row.change)} ({percent(row.change_pct)}), "
            f"{row.before} → {row.counts[-1]}")


def text_top_growing(report: TopicReport) -> str:
    """The growing topics, one numbered line each, and the volume they needed to qualify."""
    lang = report.language
    floor = translate("reports.growth_floor", lang, volume=MIN_GROWTH_VOLUME, period=report.periods[-1].label)
    head = f"{translate('reports.top_growing', lang)} ({floor}):"
    lines = [_growing_line(rank, row) for rank, row in enumerate(report.top_growing, 1)]
    return "\n".join([head, *(lines or [f"  {translate('reports.no_growth', lang)}"])]) + "\n"


def text_impact(impact: ReleaseImpact, language: str = "en") -> str:
    """Two lines: the released epic and its topic, then the volume on both sides of the release (or that it
    is too early to tell)."""
    head = (f"{impact.issue_key} «{impact.title}» {translate('stage.released', language)} "
            f"{impact.released_at.date().isoformat()}: {impact.label}\n")
    if impact.too_early:
        return head + f"  {too_early(impact, language)}\n"

    def side(key: str, counts: tuple[int, ...], weekly: float) -> str:
        return (f"{translate(key, language)} ({translate('release.days', language, count=impact.days)}): "
                f"{sum(counts)}, {weekly:.1f} {translate('release.per_week', language)}")

    return (head + f"  {side('release.before', impact.before_counts, impact.weekly_before)} · "
            f"{side('release.after', impact.after_counts, impact.weekly_after)} · {percent(impact.change_pct)}\n")


def too_early(impact: ReleaseImpact, language: str) -> str:
    """"Too early to tell: 2 of 7 days since the release; the figure comes on 2026-03-17"."""
    return translate("release.too_early", language, days=impact.days, needed=impact.min_days,
                     day=impact.ready_on.isoformat())
