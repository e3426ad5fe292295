"""The worker: one APScheduler in exactly one process (see singleton.py); every job runs alone and a
missed run is coalesced into one. Before every job the worker checks it still holds the lock; once it does
not, it runs no job again and exits with an error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bridge.outbox.drain import DrainSummary, release_stale_claims
from bridge.runtime import Runtime
from bridge.sync.pull import SyncSummary
from bridge.worker import jobs as work
from bridge.worker.lock import Lease, LockLost, single_instance

log = logging.getLogger(__name__)


WAKES = {"sync": "outbox", "inbox": "outbox", "reconcile": "outbox", "follow_up": "outbox"}
"""A job that did work wakes the job that carries its results on at once, instead of at that job's next tick."""
FOLLOW_UP_SECONDS = 3600   # follow-ups are due by the day: an hourly look is plenty


def did_work(result: object) -> bool:
    if isinstance(result, DrainSummary):
        return bool(result.handled)
    if isinstance(result, list):
        return any(isinstance(s, SyncSummary) and (s.wishes or s.new or s.changed or s.deleted) for s in result)
    return bool(result)


def jobs(runtime: Runtime) -> dict[str, tuple[Callable[[], object], int]]:
    """Job name -> (function, interval in seconds)."""
    tick, reconcile = int(runtime.settings["WORKER_TICK_SECONDS"]), int(runtime.settings["RECONCILE_INTERVAL_SECONDS"])
    return {
        "sync": (lambda: work.sync_sources(runtime), int(runtime.settings["SYNC_INTERVAL_SECONDS"])),
        "inbox": (lambda: work.drain_inbox(runtime), tick),
        "outbox": (lambda: work.drain_outbox(runtime), tick),
        "reconcile": (lambda: work.reconcile_trackers(runtime), reconcile),
        "follow_up": (lambda: work.follow_up_releases(runtime), FOLLOW_UP_SECONDS),
        "mappings": (runtime.mapping_holder.reload, 30),
    }


def fenced(name: str, job: Callable[[], object], lease: Lease | None, stop: Callable[[], None],
           wake: Callable[[str], None] = lambda _name: None) -> Callable[[], None]:
    """`job` as the scheduler runs it: only while `lease` holds (without one, the caller is the only process),
    calling `stop` once the lock is lost; a failing job is logged and tried at its next run; a job that did
    work calls `wake` with the job its work goes on to (WAKES)."""

    def run() -> None:
        if lease is not None:
            try:
                lease.check()
            except LockLost as lost:
                log.critical("worker.lock_lost: %s; job %s refused, the worker stops", lost, name,
                             extra={"job": name})
                stop()
                return
        try:
            result = job()
        except Exception:
            log.exception("worker.job_failed", extra={"job": name})
            return
        if name in WAKES and did_work(result):
            wake(WAKES[name])

    return run


def build_scheduler(runtime: Runtime, scheduler: BaseScheduler | None = None,
                    lease: Lease | None = None) -> BaseScheduler:
    """Every job of `jobs` on `scheduler` (default: a BlockingScheduler for `wishbridge worker`), each fenced
    by `lease`: the scheduler shuts down once the lock is lost."""
    scheduler = scheduler or BlockingScheduler(timezone="UTC")

    def stop() -> None:
        with suppress(SchedulerNotRunningError):  # every job that finds the lock lost asks
            scheduler.shutdown(wait=False)

    def wake(name: str) -> None:
        with suppress(JobLookupError, SchedulerNotRunningError):
            scheduler.modify_job(name, next_run_time=datetime.now(UTC))

    for name, (job, seconds) in jobs(runtime).items():
        scheduler.add_job(fenced(name, job, lease, stop, wake), "interval", seconds=seconds, id=name,
                          max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    return scheduler


def run_worker(runtime: Runtime) -> None:
    """Run the scheduler until it is stopped; raises AlreadyRunning, or LockLost once the lock is gone."""
    with single_instance(runtime.engine) as lease:
        release_stale_claims(runtime.engine)
        log.info("worker.started", extra={"jobs": list(jobs(runtime)), "lock": lease.lock})
        build_scheduler(runtime, lease=lease).start()
        lease.check()
