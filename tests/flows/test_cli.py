import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bridge.cli import COMMANDS, main
from tests.conftest import MAPPINGS
from tests.connectors.harness_rt import QUEUE, TOKEN, URL, rt


@pytest.fixture
def cli(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "WISHBRIDGE_MAPPINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return CliRunner()


def test_help_lists_every_command_with_its_help(cli):
    result = cli.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "mappings", "sync", "serve", "worker"):
        assert f"  {command} " in result.output


def test_mappings_check_passes_on_the_shipped_files(cli):
    result = cli.invoke(main, ["mappings", "check", str(MAPPINGS)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_mappings_check_lists_every_error_and_exits_1(cli, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(MAPPINGS, broken)
    (broken / "topics.yaml").write_text("categories:\n  marking:\n    lable: {en: X}\n")
    result = cli.invoke(main, ["mappings", "check", str(broken)])
    assert result.exit_code == 1
    assert f"{broken / 'topics.yaml'}:3:5: categories.marking.lable: unknown key" in result.output
    assert f"{broken / 'topics.yaml'}:2:3: categories.marking: 'label' is required" in result.output


def test_db_upgrade_creates_the_store(cli, tmp_path):
    result = cli.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.db").exists()


def test_an_unreachable_database_is_one_clear_error(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = cli.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "DATABASE_URL: cannot connect to" in result.output


def test_bad_settings_are_listed_together(cli, monkeypatch):
    monkeypatch.setenv("JIRA_URL", "jira.local")
    monkeypatch.setenv("JIRA_API_TOKEN", "do-not-print-me")
    monkeypatch.setenv("SYNC_INTERVAL_SECONDS", "0")
    result = cli.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "JIRA_URL='jira.local'" in result.output and "SYNC_INTERVAL_SECONDS='0'" in result.output
    assert "do-not-print-me" not in result.output


def test_the_env_file_option_is_read(cli, tmp_path):
    env = tmp_path / "custom.env"
    env.write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-env-file.db'}\n")
    result = cli.invoke(main, ["--env-file", str(env), "db", "upgrade"], env={"DATABASE_URL": None})
    assert result.exit_code == 0, result.output
    assert Path(tmp_path / "from-env-file.db").exists()


def test_sync_lists_the_helpdesk_values_without_a_mapping_with_their_ticket_counts(cli, monkeypatch):
    with rt() as harness:
        for number, value in enumerate(("Склад", "Склад", "Отчёты")):
            ticket_id = harness.vendor.add_ticket(f"Wish {number}", "Please")
            harness.vendor.tickets[ticket_id]["CustomFields"] = [{"name": "Category", "values": [value]}]
        for name, value in {"RT_URL": URL, "RT_TOKEN": TOKEN, "RT_QUEUE": QUEUE,
                            "WISHBRIDGE_MAPPINGS": str(MAPPINGS)}.items():
            monkeypatch.setenv(name, value)
        result = cli.invoke(main, ["sync", "--source", "rt"])
    assert result.exit_code == 0, result.output
    assert "rt: 3 new, 0 changed" in result.output
    assert "  rt: no mapping for category 'Склад' (2 tickets)" in result.output
    assert "Отчёты'" not in result.output


def test_the_help_loads_no_command_module_store_or_grouping_library():
    probe = ("import sys; from click.testing import CliRunner; from bridge.cli import main; "
             "result = CliRunner().invoke(main, ['--help']); assert result.exit_code == 0, result.output; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sklearn', 'numpy') "
             "or m.startswith('bridge.cli.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_every_listed_command_loads_under_its_own_name():
    for name in COMMANDS:
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.name == name


def test_the_demo_on_a_taken_port_ends_with_a_clear_message_and_exit_code_2(cli):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = cli.invoke(main, ["demo", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} is taken" in result.output and "Traceback" not in result.output
