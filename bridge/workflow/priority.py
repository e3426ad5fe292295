"""The value score of a wish group, with a breakdown that shows why (formula in mappings/priority.yaml).

Pure: `score` reads only its arguments. The points of the parts always sum to the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bridge.workflow.popularity import Popularity

IMPORTANCE = ("nice_to_have", "important", "critical")


@dataclass(frozen=True)
class ScorePart:
    name: str
    value: float
    weight: float
    points: float
    explanation: str


@dataclass(frozen=True)
class Score:
    total: float
    parts: tuple[ScorePart, ...]


@dataclass(frozen=True)
class PriorityRules:
    per_organization: float = 1.0
    per_paid_account: float = 0.0
    segments: Mapping[str, float] = field(default_factory=dict)
    importance: Mapping[str, float] = field(default_factory=dict)
    deadline_points: float = 0.0
    deadline_horizon_days: int = 180

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PriorityRules:
        deadline = data.get("legal_deadline", {})
        return cls(
            per_organization=float(data.get("per_organization", 1.0)),
            per_paid_account=float(data.get("per_paid_account", 0.0)),
            segments={name: float(w) for name, w in data.get("segments", {}).items()},
            importance={name: float(w) for name, w in data.get("importance", {}).items()},
            deadline_points=float(deadline.get("points", 0.0)),
            deadline_horizon_days=int(deadline.get("horizon_days", 180)),
        )


def _part(name: str, value: float, weight: float, explanation: str, points: float | None = None) -> ScorePart:
    return ScorePart(name, value, weight, round(value * weight if points is None else points, 2), explanation)


def _deadline(deadline: date, rules: PriorityRules, today: date) -> ScorePart:
    days = (deadline - today).days
    horizon = rules.deadline_horizon_days
    closeness = min(max(1 - days / horizon, 0.0), 1.0)
    when = f"overdue by {-days} days" if days < 0 else f"in {days} days"
    explanation = (f"legal deadline {deadline.isoformat()} {when}: {closeness:.0%} of "
                   f"{rules.deadline_points:g} (full when due, none from {horizon} days away)")
    points = rules.deadline_points * closeness
    return _part("legal_deadline", days, rules.deadline_points, explanation, points)


def score(popularity: Popularity, group_row: Mapping[str, Any], rules: PriorityRules, today: date) -> Score:
    """The group's score: organisations, their segments, paid accounts, importance and a legal deadline."""
    parts = [_part("organizations", popularity.organizations, rules.per_organization,
                   f"{popularity.organizations} distinct organisations × {rules.per_organization:g}")]
    for segment, count in popularity.by_segment.items():
        weight = rules.segments.get(segment, 0.0)
        parts.append(_part(f"segment:{segment}", count, weight,
                           f"{count} {segment} organisations × {weight:g}"))
    parts.append(_part("paid_accounts", popularity.paid_accounts, rules.per_paid_account,
                       f"{popularity.paid_accounts} paid accounts × {rules.per_paid_account:g}"))
    importance = group_row.get("importance")
    if importance:
        weight = rules.importance.get(importance, 0.0)
        parts.append(_part("importance", 1, weight, f"business importance {importance}: {weight:g}"))
    if group_row.get("legal_deadline"):
        parts.append(_deadline(group_row["legal_deadline"], rules, today))
    return Score(round(sum(part.points for part in parts), 2), tuple(parts))
