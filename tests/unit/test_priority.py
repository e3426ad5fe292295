import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bridge.mapping import check_mappings, load_mappings
from bridge.workflow.popularity import Popularity
from bridge.workflow.priority import PriorityRules, score

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 1)
RULES = PriorityRules(per_organization=1.0, per_paid_account=0.1, segments={"enterprise": 5.0, "smb": 1.0},
                      importance={"nice_to_have": 0.0, "important": 10.0, "critical": 30.0},
                      deadline_points=40.0, deadline_horizon_days=100)
POPULAR = Popularity(tickets=7, organizations=4, requesters=5, paid_accounts=120,
                     by_segment={"enterprise": 1, "smb": 2, "unknown": 1})
GROUP = {"importance": "important", "legal_deadline": TODAY + timedelta(days=25)}


def points(result, name):
    return next(part.points for part in result.parts if part.name == name)


@pytest.mark.parametrize("group", [GROUP, {}, {"importance": "critical"},
                                   {"legal_deadline": TODAY - timedelta(days=3)}])
def test_the_breakdown_sums_to_the_total(group):
    result = score(POPULAR, group, RULES, TODAY)
    assert result.total == pytest.approx(sum(part.points for part in result.parts))
    assert all(part.explanation for part in result.parts)


@pytest.mark.parametrize("change, grows_by", [
    ({"per_organization": 2.0}, POPULAR.organizations * 1.0),
    ({"per_paid_account": 0.2}, POPULAR.paid_accounts * 0.1),
    ({"segments": {"enterprise": 8.0, "smb": 1.0}}, POPULAR.by_segment["enterprise"] * 3.0),
    ({"segments": {"enterprise": 5.0, "smb": 1.0, "unknown": 2.0}}, POPULAR.by_segment["unknown"] * 2.0),
    ({"importance": {"important": 15.0}}, 5.0),
    ({"deadline_points": 80.0}, 40.0 * (1 - 25 / 100)),
])
def test_each_weight_moves_the_total_by_its_share(change, grows_by):
    before = score(POPULAR, GROUP, RULES, TODAY).total
    after = score(POPULAR, GROUP, replace(RULES, **change), TODAY).total
    assert after - before == pytest.approx(grows_by)


@pytest.mark.parametrize("days_left, share", [(-10, 1.0), (0, 1.0), (50, 0.5), (100, 0.0), (400, 0.0)])
def test_a_legal_deadline_counts_more_the_closer_it_is(days_left, share):
    result = score(POPULAR, {"legal_deadline": TODAY + timedelta(days=days_left)}, RULES, TODAY)
    assert points(result, "legal_deadline") == pytest.approx(RULES.deadline_points * share)


def test_a_group_not_yet_assessed_has_no_importance_or_deadline_part():
    names = [part.name for part in score(POPULAR, {}, RULES, TODAY).parts]
    assert "importance" not in names and "legal_deadline" not in names
    assert names[0] == "organizations"


def test_an_unpopular_unassessed_group_scores_nothing():
    assert score(Popularity(), {}, RULES, TODAY).total == 0


def test_the_shipped_formula_ranks_a_critical_enterprise_wish_above_a_nice_to_have_one():
    rules = PriorityRules.from_data(load_mappings(ROOT / "mappings").get("priority"))
    enterprise = Popularity(tickets=1, organizations=1, by_segment={"enterprise": 1})
    assert score(enterprise, {"importance": "critical"}, rules, TODAY).total > score(
        enterprise, {"importance": "nice_to_have"}, rules, TODAY).total


@pytest.mark.parametrize("old, new, expected", [
    ("  smb: 1\n", "  smb: 1\n  gold: 2\n", "segments.gold: unknown segment 'gold' (known: business, enterprise, "
                                              "free, smb, unknown)"),
    ("  critical: 30\n", "  critical: 30\n  urgent: 50\n", "importance.urgent: unknown key"),
    ("per_organization: 1\n", "per_organization: -1\n", "per_organization: -1 is less than the minimum of 0"),
])
def test_the_check_names_unknown_segments_importance_and_bad_weights(tmp_path, old, new, expected):
    directory = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", directory)
    path = directory / "priority.yaml"
    path.write_text(path.read_text().replace(old, new, 1))
    issues = [i for i in check_mappings(directory)[1] if i.path == str(path)]
    assert [f"{i.where}: {i.message}" for i in issues] == [expected]
