"""Plain `pytest` works as well as `python -m pytest`: the project's root is on the import path either way
(pyproject.toml's `pythonpath`), so tests that import the `tests` package and the bridge run from the `pytest`
script itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_pytest_script_runs_tests_that_import_the_tests_package() -> None:
    script = Path(sys.executable).with_name("pytest")
    environment = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    ran = subprocess.run([str(script), "-q", "-p", "no:cacheprovider", "tests/flows/test_cli.py",
                          "-k", "help_lists_every_command or every_listed_command"],
                         cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "2 passed" in ran.stdout
