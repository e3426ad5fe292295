from pathlib import Path

import pytest

from bridge.config import all_keys, load_settings
from bridge.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_no_configuration_at_all():
    settings = load_settings({}, env_file=None)
    assert settings.database_url == "sqlite:///wishbridge.db"
    assert settings.mappings_dir == Path("mappings/")
    assert settings["JIRA_DEPLOYMENT"] == "cloud"
    assert not settings.configured("zendesk")


def test_every_bad_key_is_reported_at_once_without_secret_values():
    with pytest.raises(ConfigError) as caught:
        load_settings({"ZENDESK_URL": "acme.zendesk.com", "JIRA_DEPLOYMENT": "saas",
                       "SYNC_INTERVAL_SECONDS": "soon", "DATABASE_URL": "mysql://x"}, env_file=None)
    message = str(caught.value)
    assert len(caught.value.problems) == 4
    for name in ("ZENDESK_URL", "JIRA_DEPLOYMENT", "SYNC_INTERVAL_SECONDS", "DATABASE_URL"):
        assert name in message


def test_a_secret_is_never_shown_in_repr():
    settings = load_settings({"ZENDESK_API_TOKEN": "s3cr3t-token"}, env_file=None)
    assert "s3cr3t-token" not in repr(settings)
    assert settings.section("zendesk")["api_token"] == "s3cr3t-token"


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SYNC_INTERVAL_SECONDS=30\nRT_QUEUE=Wishes\n")
    settings = load_settings({"SYNC_INTERVAL_SECONDS": "90"}, env_file=env_file)
    assert settings["SYNC_INTERVAL_SECONDS"] == 90
    assert settings["RT_QUEUE"] == "Wishes"


def test_an_unreadable_env_file_is_named(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_bytes(b"\xff\xfeRT_QUEUE=\xff")
    with pytest.raises(ConfigError, match=r"\.env: cannot be read"):
        load_settings({}, env_file=env_file)


def test_postgres_urls_use_the_psycopg_driver():
    settings = load_settings({"DATABASE_URL": "postgres://postgres@127.0.0.1/test"}, env_file=None)
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/test"


def test_config_example_lists_every_key_with_its_help_and_default():
    text = (ROOT / "config.example.env").read_text()
    for key in all_keys():
        assert f"# {key.help}\n{key.name}={key.default}\n" in text, key.name
