"""The demo's moving parts on loopback: a sandbox helpdesk seeded with realistic tickets and a sandbox tracker
(demo/vendors.py, chosen by name), a fresh SQLite store, demo users, and the bridge's jobs run in this one
process."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from bridge.config import load_settings
from bridge.model import TicketRef
from bridge.runtime import Runtime
from bridge.store.users import create_user
from bridge.web.app import create_app
from bridge.web.sidebar.links import sidebar_link
from bridge.worker.scheduler import build_scheduler
from demo.vendors import HELPDESKS, TRACKERS, HelpdeskSandbox, TrackerSandbox

PASSWORD = "demo1234"
DEMO_API_KEY = "demo-product-key"
USERS = (("admin", "admin"), ("pm", "product_manager"), ("analyst", "analyst"), ("legal", "legal"),
         ("support", "support"))
PACKAGED_MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


@dataclass
class DemoStack:
    """Start with `start(public_url)`; `helpdesk`, `tracker` (their `url`s), `environment` and `runtime` are then
    set. `environment` holds the bridge's settings as given to `load_settings`."""

    data_dir: Path
    tickets: int = 300
    helpdesk_name: str = "zendesk"
    tracker_name: str = "jira"
    helpdesk: HelpdeskSandbox = field(init=False)
    tracker: TrackerSandbox = field(init=False)
    environment: dict[str, str] = field(init=False, default_factory=dict)
    runtime: Runtime = field(init=False)
    _stops: list[Callable[[], None]] = field(init=False, default_factory=list)

    def start(self, public_url: str) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        self.helpdesk, self.tracker = HELPDESKS[self.helpdesk_name](), TRACKERS[self.tracker_name]()
        helpdesk_settings = self.helpdesk.start(self.tickets, public_url, self._sidebar_url)
        self._stops.append(self.helpdesk.stop)
        tracker_settings = self.tracker.start(public_url)
        self._stops.append(self.tracker.stop)
        self.environment = {
            "DATABASE_URL": f"sqlite:///{self.data_dir / 'demo.db'}",
            "WISHBRIDGE_MAPPINGS": str(mappings_dir()),
            "WISHBRIDGE_SECRET_KEY": secrets.token_hex(32),
            "WISHBRIDGE_PUBLIC_URL": public_url,
            "WISHBRIDGE_API_KEYS": DEMO_API_KEY,
            **helpdesk_settings, **tracker_settings,
        }
        self.runtime = Runtime(load_settings(self.environment, env_file=None))
        with self.runtime.engine.begin() as conn:
            for username, role in USERS:
                create_user(conn, username, PASSWORD, role, display_name=username.capitalize())

    def prepare_groups(self, routed: int = 6) -> None:
        """What a product team would have done by now: the largest groups routed to the queue routing.yaml
        suggests, and the analyst's notes on the two largest, so an approval carries them to the tracker."""
        from bridge.workflow.lifecycle import record_analysis, route
        from bridge.workflow.read_models import list_groups

        with self.runtime.engine.begin() as conn:
            groups = sorted(list_groups(conn, self.runtime.mappings), key=lambda g: (-g.tickets, g.id))[:routed]
            for rank, group in enumerate(groups):
                route(conn, self.runtime.mappings, group.id, group.suggested_queue or "analyst", "pm")
                if rank < 2:
                    asked = f"{group.tickets} tickets" + (f" from {group.organizations} organisations"
                                                          if group.organizations else "")
                    record_analysis(conn, group.id, "analyst", importance="important" if rank else "critical",
                                    notes=f"Asked in {asked}; worth a release slot.")

    def _sidebar_url(self, ticket_id: str) -> str:
        """The Wishbridge sidebar of a sandbox ticket, signed for that ticket, as the demo's agent."""
        return sidebar_link(self.runtime.settings, TicketRef(self.helpdesk.name, ticket_id), agent="Demo agent")

    def point_webhooks_at(self, public_url: str) -> None:
        """Aim both sandboxes' webhooks at the bridge once its address is known."""
        self.helpdesk.point_webhooks_at(public_url)
        self.tracker.point_webhooks_at(public_url)

    def app(self) -> Flask:
        return create_app(runtime=self.runtime)

    def run_jobs_in_background(self) -> None:
        """The worker's jobs in this process, the demo being the only one (a real install runs `worker`)."""
        scheduler = build_scheduler(self.runtime, BackgroundScheduler(timezone="UTC"))
        scheduler.start()
        self._stops.append(lambda: scheduler.shutdown(wait=False))

    def stop(self) -> None:
        for stop in reversed(self._stops):
            stop()
        self.runtime.engine.dispose()


def mappings_dir() -> Path:
    """The repository's mappings when run from a checkout, else the current folder's `mappings/`."""
    return PACKAGED_MAPPINGS if PACKAGED_MAPPINGS.is_dir() else Path("mappings")
