"""Topic statistics for support: counts per category and subcategory per week, month or quarter, the change
against the previous period, the fastest growing topics, the volume of a released epic's topic before and
after its release; as a terminal table, an SVG chart, CSV and XLSX.

    periods.py   calendar maths (ISO weeks, months, quarters), pure
    counting.py  the SQL that counts tickets and wishes per topic and period
    topics.py    topic_report and its pure shaping (rows, change, top growing)
    impact.py    release_impact
    text.py, charts.py, export.py   the same report as text, SVG, CSV and XLSX, pure
"""

from bridge.reports.charts import svg_chart
from bridge.reports.export import export_csv, export_xlsx
from bridge.reports.impact import ReleaseImpact, release_impact, released_groups
from bridge.reports.periods import Period
from bridge.reports.text import text_impact, text_table, text_top_growing
from bridge.reports.topics import MIN_GROWTH_VOLUME, UNMARKED, TopicReport, TopicRow, topic_report

__all__ = [
    "MIN_GROWTH_VOLUME",
    "UNMARKED",
    "Period",
    "ReleaseImpact",
    "TopicReport",
    "TopicRow",
    "export_csv",
    "export_xlsx",
    "release_impact",
    "released_groups",
    "svg_chart",
    "text_impact",
    "text_table",
    "text_top_growing",
    "topic_report",
]
