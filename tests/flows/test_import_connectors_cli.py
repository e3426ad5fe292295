import pytest
from click.testing import CliRunner

from bridge.cli import main
from tests.conftest import MAPPINGS, ROOT

SAMPLE = ROOT / "tests" / "fixtures" / "import" / "tickets.csv"


@pytest.fixture
def cli(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("FRESHDESK_URL", "FRESHDESK_API_KEY", "ZENDESK_URL", "RT_URL", "JIRA_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("WISHBRIDGE_MAPPINGS", str(MAPPINGS))
    return CliRunner()


def test_import_prints_the_summary_lists_bad_rows_and_exits_1(cli):
    result = cli.invoke(main, ["import", str(SAMPLE)])
    assert result.exit_code == 1, result.output
    assert f"{SAMPLE}: row 7: unparseable date '09/02/2024' (expected %Y-%m-%d %H:%M:%S)" in result.output
    assert result.output.splitlines()[-1].startswith(
        f"{SAMPLE}: 8 rows read: 5 new, 0 changed, 0 unchanged, 3 bad; ")


def test_importing_again_finds_nothing_new_and_no_new_wishes(cli):
    cli.invoke(main, ["import", str(SAMPLE.with_suffix(".json"))])
    result = cli.invoke(main, ["import", str(SAMPLE.with_suffix(".json"))])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("3 rows read: 0 new, 0 changed, 3 unchanged, 0 bad; 0 wishes found")


def test_import_with_an_explicit_mapping_that_is_missing_is_a_usage_error(cli):
    result = cli.invoke(main, ["import", str(SAMPLE), "--mapping", "nowhere.yaml"])
    assert result.exit_code == 2
    assert "'nowhere.yaml' does not exist" in result.output


def test_import_of_a_file_that_is_not_a_table_is_one_clear_error(cli, tmp_path):
    (tmp_path / "export.json").write_text('{"tickets": []}')
    result = cli.invoke(main, ["import", "export.json"])
    assert result.exit_code == 1
    assert "must be a JSON list of objects" in result.output


def test_connectors_lists_every_installed_one_with_role_module_and_configuration(cli, monkeypatch):
    monkeypatch.setenv("FRESHDESK_URL", "https://acme.freshdesk.com")
    monkeypatch.setenv("FRESHDESK_API_KEY", "never-print-this-key")
    result = cli.invoke(main, ["connectors"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()}
    assert lines["freshdesk"] == ["freshdesk", "helpdesk", "connectors.freshdesk:FreshdeskConnector", "configured"]
    assert lines["jira"][1:] == ["tracker", "connectors.jira:JiraConnector", "not", "configured"]
    assert "never-print-this-key" not in result.output
