"""Log-in, log-out, the session cookie and CSRF protection of the admin pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from bridge.runtime import Runtime
from bridge.store import audit
from bridge.store.users import set_disabled, set_password
from bridge.web.app import create_app
from tests.web.support import PASSWORD, page, post, sign_in


def login_form_token(client: FlaskClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page(client.get("/admin/login")))
    assert found
    return found.group(1)


def log_in(client: FlaskClient, username: str, password: str, environ_base: dict[str, str] | None = None,
           **extra: str):  # type: ignore[no-untyped-def]
    token = login_form_token(client)
    return client.post("/admin/login", data={"csrf_token": token, "username": username, "password": password,
                                             **extra}, environ_base=environ_base or {})


def test_given_no_session_when_opening_the_inbox_then_the_login_page_is_shown(client: FlaskClient) -> None:
    response = client.get("/admin/inbox")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login?next=/admin/inbox")


def test_given_the_site_root_then_it_leads_to_the_admin_pages(client: FlaskClient) -> None:
    assert client.get("/").location == "/admin/inbox"


def test_given_the_right_password_when_logging_in_then_the_inbox_greets_the_user(
        client: FlaskClient, web_runtime: Runtime) -> None:
    response = log_in(client, "support", PASSWORD)
    assert response.status_code == 302 and response.location == "/admin/inbox"
    inbox = client.get("/admin/inbox")
    assert inbox.status_code == 200 and "Support" in page(inbox)
    with web_runtime.engine.connect() as conn:
        assert [row["action"] for row in audit.trail(conn, "user", "support")] == ["login"]


def test_given_a_wrong_password_when_logging_in_then_401_and_still_logged_out(client: FlaskClient) -> None:
    response = log_in(client, "support", "wrong password")
    assert response.status_code == 401
    assert "Wrong username or password" in page(response)
    assert client.get("/admin/inbox").status_code == 302


def test_given_an_unknown_user_when_logging_in_then_the_same_answer_as_a_wrong_password(
        client: FlaskClient) -> None:
    response = log_in(client, "nobody", PASSWORD)
    assert response.status_code == 401
    assert "Wrong username or password" in page(response)


def test_given_next_pointing_to_another_site_when_logging_in_then_the_redirect_stays_here(
        client: FlaskClient) -> None:
    response = log_in(client, "support", PASSWORD, next="https://evil.example/phish")
    assert response.location == "/admin/inbox"


def test_given_next_on_this_site_when_logging_in_then_the_user_lands_there(client: FlaskClient) -> None:
    assert log_in(client, "support", PASSWORD, next="/admin/groups?state=new").location == "/admin/groups?state=new"


def test_when_logging_out_then_pages_need_a_login_again(client: FlaskClient) -> None:
    log_in(client, "support", PASSWORD)
    response = client.post("/admin/logout", data={"csrf_token": login_form_token(client)})
    assert response.location == "/admin/login"
    assert client.get("/admin/inbox").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient) -> None:
    response = log_in(client, "support", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_given_a_login_then_the_session_gets_a_fresh_csrf_token(client: FlaskClient) -> None:
    before = login_form_token(client)
    log_in(client, "support", PASSWORD)
    with client.session_transaction() as session:
        assert session.get("csrf") != before


def test_given_a_post_without_a_csrf_token_then_it_is_refused(client: FlaskClient) -> None:
    response = client.post("/admin/login", data={"username": "support", "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in page(response)
    assert client.get("/admin/inbox").status_code == 302


def test_given_a_signed_in_user_when_posting_a_wrong_csrf_token_then_nothing_happens(
        client: FlaskClient) -> None:
    sign_in(client, "admin")
    response = client.post("/admin/users/", data={"csrf_token": "forged", "username": "mallory",
                                                  "password": PASSWORD, "role": "admin"})
    assert response.status_code == 400
    assert "mallory" not in page(client.get("/admin/users/"))


def test_the_webhooks_are_not_csrf_protected(client: FlaskClient) -> None:
    assert client.post("/webhooks/no-such-helpdesk", data=b"{}").status_code == 404


def test_given_a_user_removed_from_the_store_then_their_session_no_longer_works(client: FlaskClient) -> None:
    sign_in(client, "ghost")
    assert client.get("/admin/inbox").status_code == 302
    assert post(client, "/admin/logout").status_code == 302


def wrong_tries(client: FlaskClient, count: int, username: str = "support", address: str = "127.0.0.1") -> list[int]:
    return [log_in(client, username, f"wrong {n}", environ_base={"REMOTE_ADDR": address}).status_code
            for n in range(count)]


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_429_and_retry_after(
        client: FlaskClient) -> None:
    assert wrong_tries(client, 5) == [401] * 5
    refused = log_in(client, "support", PASSWORD)
    assert refused.status_code == 429
    assert 25 <= int(refused.headers["Retry-After"]) <= 30
    assert "Too many failed log-ins. Try again in 1 min." in page(refused)
    assert client.get("/admin/inbox").status_code == 302
    assert log_in(client, "SUPPORT ", PASSWORD).status_code == 429, "the name is compared as the log-in reads it"


def test_the_lock_holds_in_another_web_process_on_the_same_store(client: FlaskClient, web_runtime: Runtime) -> None:
    wrong_tries(client, 5)
    restarted = create_app(runtime=Runtime(web_runtime.settings)).test_client()
    assert log_in(restarted, "support", PASSWORD).status_code == 429


def test_a_right_password_before_the_limit_clears_the_account_failures(client: FlaskClient) -> None:
    assert wrong_tries(client, 4) == [401] * 4
    assert log_in(client, "support", PASSWORD).status_code == 302
    assert wrong_tries(client, 4) == [401] * 4


def test_one_address_trying_many_names_is_throttled_while_other_addresses_are_not(client: FlaskClient) -> None:
    tried = [status for n in range(20) for status in wrong_tries(client, 1, f"guess{n}", "198.51.100.9")]
    assert tried == [401] * 20
    assert log_in(client, "admin", PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 429
    assert log_in(client, "admin", PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.10"}).status_code == 302


def test_after_logging_out_a_copied_session_cookie_no_longer_works(app: Flask, client: FlaskClient) -> None:
    log_in(client, "support", PASSWORD)
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.post("/admin/logout", data={"csrf_token": login_form_token(client)})
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/inbox").status_code == 302


def test_logging_out_ends_the_other_sessions_of_the_user_too(app: Flask) -> None:
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, "support", PASSWORD)
    log_in(laptop, "support", PASSWORD)
    phone.post("/admin/logout", data={"csrf_token": login_form_token(phone)})
    assert laptop.get("/admin/inbox").status_code == 302


def test_a_new_password_ends_the_sessions_of_the_user(client: FlaskClient, web_runtime: Runtime) -> None:
    log_in(client, "support", PASSWORD)
    with web_runtime.engine.begin() as conn:
        set_password(conn, "support", "a brand new password")
    assert client.get("/admin/inbox").status_code == 302
    assert log_in(client, "support", "a brand new password").status_code == 302


def test_a_disabled_user_loses_their_sessions_and_cannot_log_in(client: FlaskClient, web_runtime: Runtime) -> None:
    log_in(client, "support", PASSWORD)
    with web_runtime.engine.begin() as conn:
        set_disabled(conn, "support", True)
    assert client.get("/admin/inbox").status_code == 302
    assert log_in(client, "support", PASSWORD).status_code == 401
    with web_runtime.engine.begin() as conn:
        set_disabled(conn, "support", False)
    assert log_in(client, "support", PASSWORD).status_code == 302
