"""`wishbridge demo --check` is the README's promise: the whole loop on loopback, with nothing configured, for each
pairing of sandbox helpdesk and tracker the demo offers."""

import pytest
from click.testing import CliRunner

from bridge.cli import main

STEPS = ["sync", "grouping", "crash between create and store", "epic", "status by webhook", "status by poll",
         "no duplicates", "decline told"]


@pytest.mark.parametrize("pairing", [[], ["--helpdesk", "usedesk", "--tracker", "yandex"]],
                         ids=["zendesk-jira", "usedesk-yandex_tracker"])
def test_the_demo_runs_the_whole_loop_headless_and_every_step_happens(tmp_path, monkeypatch, pairing):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--env-file", str(tmp_path / "none.env"), "demo", "--check", *pairing,
                                       "--tickets", "100", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.output.splitlines() if line.startswith(("ok ", "FAIL"))]
    assert [line.split(":")[0].split(maxsplit=1)[1] for line in steps] == STEPS
    assert f"{len(STEPS)} passed, 0 failed" in result.output

