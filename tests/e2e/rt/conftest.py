"""Fixtures for end-to-end tests against a real Request Tracker 5 server.

``rt_server`` (session scope) gives the URL, auth token and queue of an RT:

* ``WISHBRIDGE_RT_URL`` + ``WISHBRIDGE_RT_TOKEN`` set: that server is used as is
  (``WISHBRIDGE_RT_QUEUE`` overrides the queue name, default ``Wishes``);
* else, when RT 5 is installed from Debian's packages, ``install_rt.sh`` makes a
  fresh database in a temporary ``RT_HOME`` (the bridge's RT user in New York
  time, the webhook Scrip posting to a free loopback port), starts ``rt-server``
  on another free loopback port, and the fixture stops it at the end of the session;
* else the tests are skipped, or fail when ``WISHBRIDGE_REQUIRE_E2E=1`` (CI sets
  it, so a missing RT can never pass as a skip there).
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = HERE / "install_rt.sh"
RT_SHARE = Path("/usr/share/request-tracker5")
RT_SERVER_BIN = RT_SHARE / "libexec" / "rt-server"
SKIP_REASON = "Request Tracker 5 is not installed: run tests/e2e/rt/install_rt.sh (CI does)"


@dataclass(frozen=True)
class RTServer:
    url: str  # e.g. http://127.0.0.1:8980 (no trailing slash, no /REST/2.0)
    token: str  # for the header "Authorization: token <token>"
    queue: str = "Wishes"
    agent_token: str = ""  # user `agent`, whose changes the webhook Scrip reports
    webhook_port: int = 0  # where the Scrip posts (http://127.0.0.1:<port>/webhooks/rt), 0: no Scrip

    @property
    def rest2(self) -> str:
        return f"{self.url}/REST/2.0"


def _rt_installed() -> bool:
    return RT_SHARE.is_dir() or RT_SERVER_BIN.exists()


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parse_output(stdout: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in stdout.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key in ("RT_URL", "RT_TOKEN", "RT_AGENT_TOKEN"):
            values[key] = value
    return values


def missing_rt() -> NoReturn:
    """Skip the test, or fail it when WISHBRIDGE_REQUIRE_E2E=1."""
    if os.environ.get("WISHBRIDGE_REQUIRE_E2E") == "1":
        pytest.fail(f"WISHBRIDGE_REQUIRE_E2E=1 but {SKIP_REASON}")
    pytest.skip(SKIP_REASON)


@pytest.fixture(scope="session")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTServer]:
    url = os.environ.get("WISHBRIDGE_RT_URL")
    token = os.environ.get("WISHBRIDGE_RT_TOKEN")
    queue = os.environ.get("WISHBRIDGE_RT_QUEUE", "Wishes")
    if url and token:
        yield RTServer(url=url.rstrip("/"), token=token, queue=queue)
        return

    if not _rt_installed():
        missing_rt()

    env = dict(os.environ)
    env["RT_HOME"] = str(tmp_path_factory.mktemp("wishbridge-rt"))
    env["RT_PORT"] = os.environ.get("WISHBRIDGE_RT_PORT") or str(_free_loopback_port())
    webhook_port = _free_loopback_port()
    env["WISHBRIDGE_WEBHOOK_URL"] = f"http://127.0.0.1:{webhook_port}"
    try:
        proc = subprocess.run(
            ["bash", str(INSTALL_SCRIPT)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        subprocess.run(["bash", str(INSTALL_SCRIPT), "stop"], env=env, check=False)
        pytest.fail(f"install_rt.sh did not finish in {exc.timeout} s")
    values = _parse_output(proc.stdout)
    if proc.returncode != 0 or "RT_URL" not in values or "RT_TOKEN" not in values:
        subprocess.run(["bash", str(INSTALL_SCRIPT), "stop"], env=env, check=False)
        pytest.fail(
            f"install_rt.sh failed (exit {proc.returncode}) with RT_HOME={env['RT_HOME']}:\n"
            f"--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"
        )
    try:
        yield RTServer(url=values["RT_URL"], token=values["RT_TOKEN"], queue=queue,
                       agent_token=values.get("RT_AGENT_TOKEN", ""), webhook_port=webhook_port)
    finally:
        subprocess.run(
            ["bash", str(INSTALL_SCRIPT), "stop"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        )
