import os
import socket
import subprocess
import sys
import time

import requests

from bridge.scheduler import build_scheduler


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
