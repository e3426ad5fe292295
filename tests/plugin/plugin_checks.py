"""Run in a process where Acme Desk is installed only through its entry point (test_third_party_connector.py):
the shared helpdesk battery, then the whole loop configured from its own declared settings."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from wishbridge_acmedesk import SIGNATURE_HEADER, AcmeDesk, signature

from bridge.config import load_settings
from bridge.model import TicketRef
from bridge.registry import known_sources
from bridge.runtime import Runtime
from bridge.testing.helpdesk import *  # noqa: F403
from bridge.testing.helpdesk import Delivery
from bridge.web.app import create_app
from bridge.worker.jobs import drain_inbox, drain_outbox, sync_sources

SECRET = "acme-webhook-secret"
REPOSITORY_MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
ACME_MAPPING = "source: acmedesk\nwish:\n  any:\n    - tags: [wish]\ncategory:\n  field: topic\n  map: {}\n"


class AcmeHarness:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text(json.dumps({"tickets": []}))

    def connector(self) -> AcmeDesk:
        return AcmeDesk(self.path, SECRET)

    def create_ticket(self, subject: str) -> TicketRef:
        data = json.loads(self.path.read_text())
        number = len(data["tickets"]) + 1
        data["tickets"].append({"id": number, "subject": subject, "body": f"{subject}, please", "tags": ["wish"],
                                "requester": f"customer-{number}", "updated": 1_790_000_000 + number})
        self.path.write_text(json.dumps(data))
        return TicketRef("acmedesk", str(number))

    def comments(self, ref: TicketRef) -> list[str]:
        raw = next(t for t in json.loads(self.path.read_text())["tickets"] if str(t["id"]) == ref.external_id)
        return [comment["body"] for comment in raw.get("comments", [])]

    def reply(self, ref: TicketRef, text: str) -> None:
        data = json.loads(self.path.read_text())
        raw = next(t for t in data["tickets"] if str(t["id"]) == ref.external_id)
        written = raw.setdefault("comments", [])
        written.append({"id": len(written) + 1, "author": raw["requester"], "body": text, "public": True,
                        "at": max((c["at"] for c in written), default=raw["updated"]) + 1})
        self.path.write_text(json.dumps(data))

    def webhook(self, ref: TicketRef, *, genuine: bool) -> Delivery:
        body = json.dumps({"ticket_id": int(ref.external_id)}).encode()
        return {SIGNATURE_HEADER: signature(SECRET if genuine else "guessed", body)}, body

    def bare(self, ref: TicketRef) -> Delivery:
        return {}, self.webhook(ref, genuine=True)[1]


@pytest.fixture
def name() -> str:
    return "acmedesk"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[AcmeHarness]:
    yield AcmeHarness(tmp_path / "desk.json")


def test_the_plug_in_is_found_through_its_entry_point_alone() -> None:
    assert "acmedesk" in known_sources()


def test_the_plug_in_runs_the_whole_loop_from_its_own_declared_settings(tmp_path: Path) -> None:
    vendor = AcmeHarness(tmp_path / "desk.json")
    ref = vendor.create_ticket("Export reports to Excel")
    mappings = tmp_path / "mappings"
    shutil.copytree(REPOSITORY_MAPPINGS, mappings)
    (mappings / "acmedesk.yaml").write_text(ACME_MAPPING)
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
                              "WISHBRIDGE_MAPPINGS": str(mappings),
                              "ACMEDESK_URL": f"file://{vendor.path}", "ACMEDESK_WEBHOOK_SECRET": SECRET},
                             env_file=None)
    runtime = Runtime(settings)

    assert runtime.configured("helpdesk") == ["acmedesk"]
    assert "***" in repr(settings) and SECRET not in repr(settings)
    [summary] = sync_sources(runtime)
    assert summary.error is None
    drain_outbox(runtime)
    [registered] = vendor.comments(ref)
    assert "Export reports to Excel" in registered and "W-" in registered

    client = create_app(runtime=runtime).test_client()
    answer = client.post("/webhooks/acmedesk", data=vendor.webhook(ref, genuine=True)[1],
                         headers=vendor.webhook(ref, genuine=True)[0])
    forged = client.post("/webhooks/acmedesk", data=vendor.webhook(ref, genuine=False)[1],
                         headers=vendor.webhook(ref, genuine=False)[0])
    assert (answer.status_code, forged.status_code) == (202, 401)
    assert drain_inbox(runtime) == 1
    drain_outbox(runtime)
    assert vendor.comments(ref) == [registered]  # the webhook re-read the ticket; nothing is said twice
