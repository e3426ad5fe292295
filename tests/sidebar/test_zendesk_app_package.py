"""The Zendesk app folder: valid by Zendesk's documented rules, every problem of a broken one listed at once, and
a zip with manifest.json, translations/ and assets/ at its root."""

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import main
from bridge.errors import ConfigError
from connectors.zendesk.app import APP_DIR, package_app, validate_app


@pytest.fixture
def app_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(APP_DIR, tmp_path / "app"))


def edit_json(path: Path, change) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_the_shipped_app_is_valid_and_points_the_ticket_sidebar_at_the_server_with_signed_urls():
    assert validate_app() == []
    manifest = json.loads((APP_DIR / "manifest.json").read_text())
    assert manifest["location"]["support"]["ticket_sidebar"]["url"] == "{{setting.server_url}}/sidebar/zendesk"
    assert manifest["signedUrls"] is True
    assert manifest["frameworkVersion"] == "2.0"
    secret = next(p for p in manifest["parameters"] if p["name"] == "shared_secret")
    assert secret["secure"] is True


def test_a_broken_app_lists_every_problem_at_once(app_copy):
    def break_manifest(manifest):
        del manifest["author"]["email"]
        manifest["frameworkVersion"] = "1.0"
        manifest["signedUrls"] = "yes"
        manifest["location"]["support"]["ticket_sidbar"] = "https://example.com"
        manifest["location"]["support"]["ticket_sidebar"]["url"] = "http://wishbridge.example/sidebar"
        manifest["location"]["support"]["top_bar"] = "{{setting.shared_secret}}/top"
        manifest["parameters"].append({"name": "server_url", "type": "colour", "secure": True, "default": "x"})
        del manifest["version"]

    edit_json(app_copy / "manifest.json", break_manifest)
    (app_copy / "translations" / "ru.json").unlink()
    edit_json(app_copy / "translations" / "en.json", lambda doc: doc["app"]["parameters"].pop("server_url"))
    (app_copy / "assets" / "logo.png").write_bytes(b"not a png")

    problems = validate_app(app_copy)

    assert problems == [
        "manifest.json: version: required",
        "manifest.json: author.email: required",
        "manifest.json: frameworkVersion: must be 2.0",
        "manifest.json: signedUrls: must be true or false",
        "manifest.json: parameters[2].name: 'server_url' is declared twice",
        "manifest.json: parameters[2].type: 'colour' is not one of text, password, checkbox, url, number, "
        "multiline, hidden, oauth",
        "manifest.json: parameters[2].default: a secure parameter cannot have a default value",
        "manifest.json: location.support.ticket_sidebar.url: must be https:// (http:// only for localhost), "
        "a path under assets/ or start with {{setting.NAME}}",
        "manifest.json: location.support.ticket_sidbar: unknown location (known: ticket_sidebar, "
        "new_ticket_sidebar, user_sidebar, organization_sidebar, top_bar, nav_bar, ticket_editor, background, modal)",
        "manifest.json: location.support.top_bar: {{setting.shared_secret}} is secure; secure settings never "
        "reach the browser",
        "translations/en.json: app.parameters.server_url.label: required",
        "translations/ru.json: missing",
        "assets/logo.png: must be a 320×320 PNG",
    ]


def test_a_manifest_that_is_not_json_is_reported_with_the_image_problems(app_copy):
    (app_copy / "manifest.json").write_text("{ not json")
    (app_copy / "assets" / "logo-small.png").unlink()
    problems = validate_app(app_copy)
    assert problems[0].startswith("manifest.json: not valid JSON")
    assert problems[1:] == ["assets/logo-small.png: missing"]


def test_the_package_holds_the_manifest_translations_and_assets_at_its_root(tmp_path):
    target = package_app(out_dir=tmp_path / "out")
    assert target.name == "wishbridge-zendesk-app-1.0.0.zip"
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert json.loads(archive.read("manifest.json"))["signedUrls"] is True
    assert names == ["manifest.json", "translations/en.json", "translations/ru.json", "assets/logo-small.png",
                     "assets/logo.png", "assets/screenshot-0.png"]
    assert package_app(out_dir=tmp_path / "again").read_bytes() == target.read_bytes()


def test_an_invalid_app_is_not_packaged(app_copy, tmp_path):
    (app_copy / "translations" / "en.json").unlink()
    with pytest.raises(ConfigError) as raised:
        package_app(app_copy, tmp_path / "out")
    assert "translations/en.json: missing" in raised.value.problems
    assert not (tmp_path / "out").exists()


def test_the_cli_validates_and_packages(app_copy, tmp_path):
    runner = CliRunner()
    packaged = runner.invoke(main, ["zendesk-app", "package", "--out", str(tmp_path / "zip")])
    assert packaged.exit_code == 0, packaged.output
    assert Path(packaged.output.strip()).exists()
    (app_copy / "assets" / "logo.png").unlink()
    checked = runner.invoke(main, ["zendesk-app", "validate", "--source", str(app_copy)])
    assert checked.exit_code == 1
    assert "assets/logo.png: missing" in checked.output
