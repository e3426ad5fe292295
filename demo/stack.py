"""The demo's moving parts on loopback: a sandbox Zendesk seeded with realistic tickets, a sandbox Jira, a
fresh SQLite store, demo users, and the bridge's jobs run in this one process."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from bridge.config import load_settings
from bridge.model import TicketRef
from bridge.runtime import Runtime
from bridge.store.users import create_user
from bridge.web.app import create_app
from bridge.web.sidebar.links import sidebar_link
from bridge.worker.scheduler import build_scheduler
from demo.seed import demo_seed
from sandboxes import jira as jira_sandbox
from sandboxes import zendesk as zendesk_sandbox
from sandboxes.zendesk_agent import add_agent_page

PASSWORD = "demo1234"
DEMO_API_KEY = "demo-product-key"
USERS = (("admin", "admin"), ("pm", "product_manager"), ("analyst", "analyst"), ("legal", "legal"),
         ("support", "support"))
ZENDESK_EMAIL, ZENDESK_TOKEN = "bridge@example.com", "sandbox-token"
ZENDESK_CREDENTIALS = {"email": ZENDESK_EMAIL, "api_token": ZENDESK_TOKEN, "user_id": 1}
PACKAGED_MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


@dataclass
class DemoStack:
    """Start with `start(public_port)`; `zendesk_url`, `jira_url` and `runtime` are then set."""

    data_dir: Path
    tickets: int = 300
    zendesk: Flask = field(init=False)
    jira: Flask = field(init=False)
    runtime: Runtime = field(init=False)
    zendesk_url: str = field(init=False, default="")
    jira_url: str = field(init=False, default="")
    _stops: list[Callable[[], None]] = field(init=False, default_factory=list)

    def start(self, public_url: str) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        zendesk_secret, jira_secret = secrets.token_hex(16), secrets.token_hex(16)
        seed = {**demo_seed(self.tickets), "credentials": ZENDESK_CREDENTIALS}
        self.zendesk = zendesk_sandbox.create_sandbox(seed, export_budget_per_minute=600,
                                                      webhook_url=f"{public_url}/webhooks/zendesk",
                                                      webhook_secret=zendesk_secret)
        add_agent_page(self.zendesk, self._sidebar_url)
        self.jira = jira_sandbox.create_sandbox(webhook_url=f"{public_url}/webhooks/jira", webhook_secret=jira_secret)
        self.zendesk_url, stop_zendesk = zendesk_sandbox.serve_in_thread(self.zendesk)
        self.jira_url, stop_jira = zendesk_sandbox.serve_in_thread(self.jira)
        self._stops += [stop_zendesk, stop_jira]
        settings = load_settings({
            "DATABASE_URL": f"sqlite:///{self.data_dir / 'demo.db'}",
            "WISHBRIDGE_MAPPINGS": str(mappings_dir()),
            "WISHBRIDGE_SECRET_KEY": secrets.token_hex(32),
            "WISHBRIDGE_PUBLIC_URL": public_url,
            "WISHBRIDGE_API_KEYS": DEMO_API_KEY,
            "ZENDESK_URL": self.zendesk_url, "ZENDESK_EMAIL": ZENDESK_EMAIL,
            "ZENDESK_API_TOKEN": ZENDESK_TOKEN, "ZENDESK_WEBHOOK_SECRET": zendesk_secret,
            "ZENDESK_EXPORT_RPM": "600",
            "JIRA_URL": self.jira_url, "JIRA_EMAIL": jira_sandbox.SANDBOX_EMAIL,
            "JIRA_API_TOKEN": jira_sandbox.SANDBOX_TOKEN, "JIRA_WEBHOOK_SECRET": jira_secret,
        }, env_file=None)
        self.runtime = Runtime(settings)
        with self.runtime.engine.begin() as conn:
            for username, role in USERS:
                create_user(conn, username, PASSWORD, role, display_name=username.capitalize())

    def prepare_groups(self, routed: int = 6) -> None:
        """What a product team would have done by now: the largest groups routed to the queue routing.yaml
        suggests, and the analyst's notes on the two largest, so an approval carries them to Jira."""
        from bridge.workflow.lifecycle import record_analysis, route
        from bridge.workflow.read_models import list_groups

        with self.runtime.engine.begin() as conn:
            groups = sorted(list_groups(conn, self.runtime.mappings), key=lambda g: (-g.tickets, g.id))[:routed]
            for rank, group in enumerate(groups):
                route(conn, self.runtime.mappings, group.id, group.suggested_queue or "analyst", "pm")
                if rank < 2:
                    record_analysis(conn, group.id, "analyst", importance="important" if rank else "critical",
                                    notes=f"Asked by {group.organizations} organisations; worth a release slot.")

    def _sidebar_url(self, ticket_id: int) -> str:
        """The Wishbridge sidebar of a sandbox ticket, signed for that ticket, as the demo's agent."""
        return sidebar_link(self.runtime.settings, TicketRef("zendesk", str(ticket_id)), agent="Demo agent")

    def point_webhooks_at(self, public_url: str) -> None:
        """Aim both sandboxes' webhooks at the bridge once its address is known."""
        zendesk_sandbox.sandbox_of(self.zendesk).webhook_url = f"{public_url}/webhooks/zendesk"
        self.jira.extensions["jira_sandbox"].webhook_url = f"{public_url}/webhooks/jira"

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

    def zendesk_comments(self, ticket_id: str) -> list[dict[str, Any]]:
        return list(zendesk_sandbox.sandbox_of(self.zendesk).comments[int(ticket_id)])


def mappings_dir() -> Path:
    """The repository's mappings when run from a checkout, else the current folder's `mappings/`."""
    return PACKAGED_MAPPINGS if PACKAGED_MAPPINGS.is_dir() else Path("mappings")
