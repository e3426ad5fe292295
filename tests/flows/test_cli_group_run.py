import shutil

from click.testing import CliRunner

from bridge.cli import main
from tests.conftest import MAPPINGS


def test_group_run_joins_similar_unreviewed_wishes_once_the_threshold_allows(tmp_path, monkeypatch):
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    grouping = mappings / "grouping.yaml"
    grouping.write_text("auto_join: 0.99\nsuggest_min: 0.1\n")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("WISHBRIDGE_MAPPINGS", str(mappings))
    runner = CliRunner()
    for text in ("Export invoices to Excel", "Exporting invoices into Excel files"):
        result = runner.invoke(main, ["wish", "add", "--text", text, "--organization", "Acme", "--actor", "pm"])
        assert result.exit_code == 0, result.output

    grouping.write_text("auto_join: 0.5\nsuggest_min: 0.1\n")
    result = runner.invoke(main, ["group", "run"])

    assert result.exit_code == 0, result.output
    assert "1 joined a similar group" in result.output
    assert "group W-1 joined group W-2" in result.output
    assert "0 joined a similar group" in runner.invoke(main, ["group", "run"]).output
