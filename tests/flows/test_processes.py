import os
import socket
import subprocess
import sys
import time

import requests
from sqlalchemy import select

from bridge.store import inbox
from bridge.store.schema import inbox as inbox_rows
from bridge.worker import jobs as services
from bridge.worker.scheduler import build_scheduler, fenced


def test_the_worker_runs_each_job_alone_and_coalesces_missed_runs(runtime):
    scheduler = build_scheduler(runtime)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) >= {"sync", "inbox", "outbox", "reconcile", "mappings"}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
    assert jobs["sync"].trigger.interval.total_seconds() == runtime.settings["SYNC_INTERVAL_SECONDS"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_under_the_waitress_wsgi_server(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "WISHBRIDGE_SECRET_KEY": "s" * 32}
    server = subprocess.Popen([sys.executable, "-m", "bridge", "--env-file", str(tmp_path / "none.env"), "serve",
                               "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert response.headers["Server"] == "wishbridge"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_job_that_did_work_wakes_the_job_its_work_goes_on_to_and_an_idle_one_does_not():
    woken: list[str] = []
    for name, result in (("inbox", 3), ("inbox", 0), ("sync", []), ("reconcile", 1), ("mappings", True)):
        fenced(name, lambda result=result: result, None, stop=lambda: None, wake=woken.append)()
    assert woken == ["outbox", "outbox"]


def test_one_inbox_drain_handles_every_stored_delivery_in_chunks_and_a_broken_one_blocks_none(runtime):
    with runtime.engine.begin() as conn:
        for n in range(130):
            events = [{"source": "jira", "kind": "issue_updated", "delivery_id": f"d{n}", "issue_key": "WISH-404",
                       "payload": {"issue": {"key": "WISH-404"}}}] if n != 7 else [{"broken": True}]
            inbox.receive(conn, "jira", f"d{n}", {}, "{}", events)

    assert services.drain_inbox(runtime, limit=50) == 130
    with runtime.engine.connect() as conn:
        assert [row["delivery_id"] for row in inbox.pending(conn)] == ["d7"]
        failed = [row for row in conn.execute(select(inbox_rows)).mappings() if row["error"]]
    assert [row["delivery_id"] for row in failed] == ["d7"]
