"""The worker: one APScheduler in exactly one process (see singleton.py); every job runs alone and a
missed run is coalesced into one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bridge import services
from bridge.dispatch import release_stale_claims
from bridge.runtime import Runtime
from bridge.singleton import single_instance

log = logging.getLogger(__name__)


def jobs(runtime: Runtime) -> dict[str, tuple[Callable[[], object], int]]:
    """Job name -> (function, interval in seconds)."""
    tick, reconcile = int(runtime.settings["WORKER_TICK_SECONDS"]), int(runtime.settings["RECONCILE_INTERVAL_SECONDS"])
    return {
        "sync": (lambda: services.sync_sources(runtime), int(runtime.settings["SYNC_INTERVAL_SECONDS"])),
        "inbox": (lambda: services.drain_inbox(runtime), tick),
        "outbox": (lambda: services.drain_outbox(runtime), tick),
        "reconcile": (lambda: services.reconcile_trackers(runtime), reconcile),
        "mappings": (runtime.mapping_holder.reload, 30),
    }


def _guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except Exception:
            log.exception("worker.job_failed", extra={"job": name})

    return run


def build_scheduler(runtime: Runtime, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """Every job of `jobs` on `scheduler` (default: a BlockingScheduler for `wishbridge worker`)."""
    scheduler = scheduler or BlockingScheduler(timezone="UTC")
    for name, (job, seconds) in jobs(runtime).items():
        scheduler.add_job(_guarded(name, job), "interval", seconds=seconds, id=name, max_instances=1,
                          coalesce=True, next_run_time=datetime.now(UTC))
    return scheduler


def run_worker(runtime: Runtime) -> None:
    with single_instance(runtime.engine):
        release_stale_claims(runtime.engine)
        log.info("worker.started", extra={"jobs": list(jobs(runtime))})
        build_scheduler(runtime).start()
