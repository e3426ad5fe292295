"""`wishbridge demo --check` is the README's promise: the whole loop on loopback, with nothing configured."""

from click.testing import CliRunner

from bridge.cli import main


def test_the_demo_runs_the_whole_loop_headless_and_every_step_happens(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--env-file", str(tmp_path / "none.env"), "demo", "--check",
                                       "--tickets", "100", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.output.splitlines() if line.startswith(("ok ", "FAIL"))]
    assert [line.split(":")[0].split(maxsplit=1)[1] for line in steps] == [
        "sync", "grouping", "epic", "status back", "no duplicates", "decline told"]
    assert "6 passed, 0 failed" in result.output
