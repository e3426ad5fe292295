"""What `wishbridge demo` shows a person: a taken port ends at once with one clear line and exit code 2 (no
traceback, nothing started); a started demo keeps its log lines in a file and ends its terminal output with the
log-ins and the product form's API key."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import waitress
from click.testing import CliRunner

from bridge.cli import main
from demo.stack import DEMO_API_KEY, PASSWORD, USERS


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0"])
def test_a_taken_port_ends_the_demo_at_once_with_a_clear_message_and_exit_code_2(tmp_path: Path,
                                                                                  address: str) -> None:
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((address, 0))
        holder.listen()
        port = holder.getsockname()[1]
        ended = subprocess.run([sys.executable, "-m", "bridge", "demo", "--port", str(port)], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
    assert ended.returncode == 2
    assert ended.stderr == (f"error: port {port} is taken on 127.0.0.1; stop what uses it or run "
                            f"`wishbridge demo --port {port + 10}`\n")
    assert ended.stdout == "" and "Traceback" not in ended.stderr
    assert list(tmp_path.iterdir()) == [], "nothing was started or written"


def test_the_demo_logs_to_a_file_and_ends_its_output_with_the_log_ins_and_the_api_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[int] = []
    monkeypatch.setattr(waitress, "serve", lambda _app, sockets, **_options: served.append(
        sockets[0].getsockname()[1]))
    monkeypatch.setattr(logging.getLogger(), "handlers", list(logging.getLogger().handlers))  # the demo replaces them
    monkeypatch.chdir(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["--env-file", str(tmp_path / "none.env"), "demo", "--port", str(port),
                                       "--tickets", "30", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert served == [port]
    lines = result.output.rstrip("\n").splitlines()
    assert len(lines) < 40, "the terminal keeps what a person needs"
    assert lines[-len(USERS) - 2:] == [
        f"Admin pages: http://127.0.0.1:{port}  (password '{PASSWORD}' for every user)",
        *[f"  {username:<8} {role}" for username, role in USERS],
        f"Product form API key: {DEMO_API_KEY}  (POST http://127.0.0.1:{port}/api/v1/wishes)"]
    log = (tmp_path / "demo.log").read_text(encoding="utf-8")
    assert log.count("\n") > 20 and "sync" in log
