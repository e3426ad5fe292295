"""Stage planning without a database: what each customer's ticket is told for a stage, which tracker status means
which stage, and which actions each group state allows."""

from pathlib import Path

import pytest

from bridge.mapping import load_mappings
from bridge.mapping.tracker import stage_for
from bridge.model import EpicBrief, TicketLine
from bridge.outbox.keys import StageKey, stage_key
from bridge.outbox.notify import patch_for, patch_from_payload, patch_payload
from bridge.tracker.brief import Bullets, Paragraph, blocks
from bridge.workflow.changes import allowed_actions

MAPPINGS = load_mappings(Path(__file__).resolve().parents[2] / "mappings")
CONTEXT = {"wish_title": "Выгрузка в Excel", "wish_id": 12, "epic_key": "WISH-3", "epic_status": "Done",
           "epic_url": "", "fix_version": " (5.2)", "reason": "", "question": ""}


def test_a_russian_customer_reads_their_own_wish_in_russian_and_other_stages_tags_are_removed():
    patch = patch_for(MAPPINGS, "released", "zendesk", "ru", CONTEXT)

    assert patch.comment and "Выгрузка в Excel" in patch.comment and "5.2" in patch.comment
    assert "wish_released" in patch.tags_add
    assert {"wish_registered", "wish_in_analysis"} <= set(patch.tags_remove)
    assert not set(patch.tags_add) & set(patch.tags_remove)


def test_a_language_without_a_message_falls_back_to_english():
    assert patch_for(MAPPINGS, "released", "zendesk", "de", CONTEXT).comment == patch_for(
        MAPPINGS, "released", "zendesk", "en", CONTEXT).comment


def test_an_unknown_stage_plans_no_write():
    assert patch_for(MAPPINGS, "no_such_stage", "zendesk", "en", CONTEXT).is_empty()


def test_a_planned_patch_survives_the_outbox_payload_unchanged():
    patch = patch_for(MAPPINGS, "declined", "rt", "en", {**CONTEXT, "reason": "Won't Do"})
    assert patch_from_payload(patch_payload(patch)) == patch


@pytest.mark.parametrize(("tracker", "status", "category", "resolution", "stage"), [
    ("jira", "In Progress", "indeterminate", None, "in_development"),
    ("jira", "Done", "done", "Won't Do", "declined"),
    ("jira", "Some custom status", "done", None, "released"),
    ("yandex_tracker", "inProgress", "inProgress", None, "in_development"),
    ("yandex_tracker", "closed", "done", "wontFix", "declined"),
])
def test_a_resolution_beats_a_status_which_beats_its_category(tracker, status, category, resolution, stage):
    assert stage_for(MAPPINGS.get(tracker), status, category, resolution) == stage


def test_only_a_settled_group_can_be_reopened_and_a_merged_one_only_unmerged():
    assert "reopen" in allowed_actions("declined") and "reopen" not in allowed_actions("in_analysis")
    assert allowed_actions("merged") == {"unmerge"} and allowed_actions("unknown") == frozenset()


def test_an_epic_lists_fifty_tickets_and_counts_the_rest():
    brief = EpicBrief(4, "Export", tickets=tuple(TicketLine(f"zendesk #{n}") for n in range(120)))
    shown = blocks(brief)
    listed = next(block for block in shown if isinstance(block, Bullets) and block.items[0].label == "zendesk #0")
    assert len(listed.items) == 50
    assert any(isinstance(block, Paragraph) and "70 more" in block.text for block in shown)


def test_a_stage_key_reads_back_what_it_was_built_from_and_other_keys_are_refused():
    key = stage_key("in_development", 41, 2, 907)
    assert key == "stage:in_development:g41:e2:t907"
    assert StageKey.parse(key) == StageKey("in_development", 41, 2, 907)
    with pytest.raises(ValueError):
        StageKey.parse("question:q3:g41:t907")
