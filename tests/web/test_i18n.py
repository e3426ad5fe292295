"""The admin pages' language switch: the browser's language first, then the one chosen, kept in the session."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.support import page, post, sign_in


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
