"""A third-party connector works from its entry point alone: Acme Desk (tests/plugin/wishbridge_acmedesk) is
installed into a fresh process's path with nothing but a dist-info that registers it, and that process runs the
shared battery and the whole loop on it (plugin_checks.py)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENTRY_POINTS = "[wishbridge.connectors]\nacmedesk = wishbridge_acmedesk:AcmeDesk\n"


def install(site: Path) -> None:
    """What `pip install` leaves behind: the package on the path and its metadata with the entry point."""
    (site / "wishbridge_acmedesk").symlink_to(HERE / "wishbridge_acmedesk")
    info = site / "wishbridge_acmedesk-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wishbridge-acmedesk\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)


def test_an_installed_plug_in_passes_the_battery_and_runs_the_loop(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install(site)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         str(HERE / "plugin_checks.py"), "--rootdir", str(HERE.parents[1])],
        cwd=HERE.parents[1], env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)}, capture_output=True, text=True,
        timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "8 passed" in run.stdout
