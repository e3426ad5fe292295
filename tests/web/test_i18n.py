"""The admin pages in English and Russian: complete catalogues and a language switch that sticks."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from bridge.web.i18n import CATALOGUE
from tests.web.support import page, post, sign_in

WEB = Path(__file__).resolve().parents[2] / "bridge" / "web"
KEY_USE = r"""(?:\b_|translate)\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']"""
DYNAMIC = ("action.", "done.", "field.", "state.", "queue.", "role.", "importance.", "door.", "channel.",
           "outbox.", "period.", "measure.", "error.", "stage.")


def used_keys() -> set[str]:
    sources = [*WEB.glob("admin/templates/*.html"), *WEB.glob("*.py"), *WEB.glob("admin/*.py")]
    found = set()
    for source in sources:
        found |= set(re.findall(KEY_USE, source.read_text()))
    return found


def test_both_catalogues_have_the_same_keys() -> None:
    assert set(CATALOGUE["en"]) == set(CATALOGUE["ru"])


def test_every_key_the_pages_use_is_in_the_catalogue() -> None:
    used = used_keys()
    assert len(used) > 50
    assert used - set(CATALOGUE["en"]) == set()


def test_every_catalogue_key_is_used_or_built_from_a_value() -> None:
    unused = {key for key in set(CATALOGUE["en"]) - used_keys() if not key.startswith(DYNAMIC)}
    assert unused == set()


def test_given_a_russian_browser_when_first_visiting_then_the_login_page_is_in_russian(
        client: FlaskClient) -> None:
    assert "Вход в Wishbridge" in page(client.get("/admin/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}))


def test_when_switching_the_language_then_every_later_page_uses_it(client: FlaskClient) -> None:
    sign_in(client, "support")
    assert "Wish groups" in page(client.get("/admin/groups"))
    response = post(client, "/admin/language", {"language": "ru", "next": "/admin/groups"})
    assert response.location == "/admin/groups"
    assert "Группы пожеланий" in page(client.get("/admin/groups"))
    assert '<html lang="ru">' in page(client.get("/admin/inbox"))


def test_given_an_unknown_language_when_switching_then_the_pages_stay_as_they_were(client: FlaskClient) -> None:
    sign_in(client, "support")
    post(client, "/admin/language", {"language": "xx", "next": "https://evil.example/"})
    assert '<html lang="en">' in page(client.get("/admin/inbox"))
