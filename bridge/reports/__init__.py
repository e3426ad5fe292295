"""Topic statistics for support: counts per category and subcategory per week, month or quarter, each ticket
on its own date, the change against the previous period (a partial current period against the same days of
the one before), the fastest growing topics, the volume of a released epic's topic before and after its
release; as a terminal table, an SVG chart, CSV and XLSX. And what each release shipped, for support, sales
and customer success: the release digest.

    periods.py   calendar maths (ISO weeks, months, quarters, the partial current period), pure
    counting.py  the SQL that counts tickets and wishes per topic and period, on their own dates
    topics.py    topic_report and its pure shaping (rows, change, top growing)
    releases.py  released epics, their release moments, releases (fix version or week), critical changes
    impact.py    release_impact: equal windows around a release, "too early" until enough days passed
    digest.py    release_digest: per change who asked, key accounts and their managers, an outline
    outline.py   the draft help-article outline of a change, pure
    text.py, charts.py, export.py, digest_export.py   the reports as text, SVG, CSV, XLSX and Markdown, pure
"""

from bridge.reports.charts import svg_chart
from bridge.reports.digest import ReleaseDigest, release_digest
from bridge.reports.digest_export import (
    account_text,
    asked_text,
    digest_csv,
    digest_markdown,
    key_rule,
    release_name,
)
from bridge.reports.export import export_csv, export_xlsx
from bridge.reports.impact import ReleaseImpact, release_impact
from bridge.reports.periods import Partial, Period
from bridge.reports.releases import Release, ReleaseRules, find_release, released_epics, released_groups, releases
from bridge.reports.text import count_headings, notes, text_impact, text_table, text_top_growing
from bridge.reports.topics import MIN_GROWTH_VOLUME, UNMARKED, TopicReport, TopicRow, topic_report

__all__ = [
    "MIN_GROWTH_VOLUME",
    "UNMARKED",
    "Partial",
    "Period",
    "Release",
    "ReleaseDigest",
    "ReleaseImpact",
    "ReleaseRules",
    "TopicReport",
    "TopicRow",
    "account_text",
    "asked_text",
    "count_headings",
    "digest_csv",
    "digest_markdown",
    "export_csv",
    "export_xlsx",
    "find_release",
    "key_rule",
    "notes",
    "release_digest",
    "release_impact",
    "release_name",
    "released_epics",
    "released_groups",
    "releases",
    "svg_chart",
    "text_impact",
    "text_table",
    "text_top_growing",
    "topic_report",
]
