"""Log lines carry their context, never a secret, and never the values of a database error."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError

from bridge import logs
from bridge.cli import main
from bridge.model import Marking, Person, Ticket, TicketRef
from bridge.store.cursors import sync_status
from bridge.store.schema import tickets
from bridge.store.tickets import upsert_tickets
from bridge.sync.pull import sync_once
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk

NAME, EMAIL = "Анна Клиентова", "anna.klientova@romashka.example"


def bare_root(monkeypatch: pytest.MonkeyPatch) -> logging.Logger:
    """The root logger as a fresh process has it: no handler yet (pytest's own are put back afterwards).
    Called in the test's body, as pytest adds its handlers for each phase."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    return root


def _into(root: logging.Logger, buffer: io.StringIO) -> io.StringIO:
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    return buffer


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The root logger writing through the handler `logs.configure` installs, into a string."""
    root = bare_root(monkeypatch)
    logs.configure("INFO")
    return _into(root, io.StringIO())


def test_a_log_line_carries_every_extra_key_as_key_value(stream: io.StringIO) -> None:
    logging.getLogger("bridge.outbox.drain").warning("outbox.failed", extra={
        "key": "stage:new:g1:e0:t4", "endpoint": "PUT /api/v2/tickets/update_many", "status": 503,
        "reason": "Service Unavailable"})
    line = stream.getvalue().strip()
    assert line.endswith('WARNING bridge.outbox.drain outbox.failed key=stage:new:g1:e0:t4 '
                         'endpoint="PUT /api/v2/tickets/update_many" status=503 reason="Service Unavailable"')


@pytest.mark.parametrize("key", ["token", "api_token", "WEBHOOK_SECRET", "password", "Authorization", "api_key",
                                 "apikey"])
def test_a_secret_is_never_printed_even_inside_a_mapping(stream: io.StringIO, key: str) -> None:
    logging.getLogger("bridge.http").info("http.request", extra={key: "s3cr3t-value",
                                                                 "headers": {key: "s3cr3t-value", "Accept": "*/*"}})
    line = stream.getvalue()
    assert "s3cr3t-value" not in line
    assert f"{key}=[redacted]" in line and f'headers={{"{key}":"[redacted]","Accept":"*/*"}}' in line


def test_the_json_form_is_one_object_a_line_with_the_context(monkeypatch: pytest.MonkeyPatch) -> None:
    root = bare_root(monkeypatch)
    logs.configure("INFO", "json")
    stream = _into(root, io.StringIO())
    logging.getLogger("bridge.web.webhooks").warning("webhook.rejected", extra={"source": "jira", "token": "t0k"})
    record = json.loads(stream.getvalue())
    assert record["event"] == "webhook.rejected" and record["source"] == "jira" and record["level"] == "WARNING"
    assert record["token"] == "[redacted]"


def test_configuring_twice_keeps_one_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    root = bare_root(monkeypatch)
    logs.configure()
    logs.configure("WARNING")
    assert [h.name for h in root.handlers] == ["wishbridge"]
    assert root.level == logging.WARNING


def test_a_host_that_handles_logging_already_keeps_its_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    root = bare_root(monkeypatch)
    host = logging.NullHandler()
    root.addHandler(host)
    logs.configure("DEBUG")
    assert root.handlers == [host] and root.level == logging.DEBUG


def _ticket(external_id: str) -> Ticket:
    return Ticket(TicketRef("memdesk", external_id), "Выгрузка в Excel", "Добавьте выгрузку",
                  requester=Person("c-1", NAME, EMAIL))


@pytest.fixture
def losing_race(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Another sync stores the same tickets between this sync's read and its insert."""
    def other_sync_first(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO tickets") and not conn.info.get("other"):
            with conn.engine.connect() as other:
                other.info["other"] = True
                with other.begin():
                    upsert_tickets(other, [(_ticket("1"), Marking())])

    event.listen(Engine, "before_cursor_execute", other_sync_first)
    yield
    event.remove(Engine, "before_cursor_execute", other_sync_first)


def test_a_sync_losing_a_unique_race_prints_and_logs_no_customer_name_or_email(
        tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, losing_race: None) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'race.db'}")
    monkeypatch.setenv("WISHBRIDGE_MAPPINGS", str(MAPPINGS))
    desk = MemoryHelpdesk([_ticket("1"), _ticket("2")])
    monkeypatch.setattr("bridge.runtime.Runtime.configured", lambda runtime, role: ["memdesk"] if role == "helpdesk" else [])
    monkeypatch.setattr("bridge.runtime.Runtime.connector", lambda runtime, name: desk)
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "memdesk: failed: IntegrityError" in result.output and "1 of 1 helpdesk(s) failed" in result.output
    assert NAME not in result.output and EMAIL not in result.output
    [failed] = [record for record in caplog.records if str(record.msg).startswith("sync.failed %s")]
    logged = logs.ContextFormatter().format(failed)
    assert "source=memdesk" in logged and "IntegrityError" in logged
    assert NAME not in logged and EMAIL not in logged
    assert NAME not in logs.JsonFormatter().format(failed)


def test_a_unique_violation_stored_as_the_last_sync_error_names_no_customer(engine: Engine,
                                                                          losing_race: None) -> None:
    with pytest.raises(IntegrityError):
        sync_once(engine, MemoryHelpdesk([_ticket("1")]), None)
    with engine.connect() as conn:
        error = next(s for s in sync_status(conn) if s["connector"] == "memdesk")["last_error"]
        assert conn.execute(select(tickets.c.requester_email)).scalars().all() == [EMAIL]
    assert error.startswith("IntegrityError") and NAME not in error and EMAIL not in error


def test_describe_keeps_the_message_and_drops_the_database_values() -> None:
    text = ("(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint \"uq_users_username\"\n"
            "DETAIL:  Key (username)=(anna) already exists.\n[SQL: INSERT INTO users (username) VALUES (%(u)s)]\n"
            "[parameters: {'u': 'anna', 'note': 'x]\\n(y'}]\n(Background on this error at: https://sqlalche.me/e/20/gkpj)")
    described = logs.describe(RuntimeError(text))
    assert "anna" not in described
    assert described.startswith("RuntimeError: (psycopg.errors.UniqueViolation) duplicate key value")
    assert described.endswith("(Background on this error at: https://sqlalche.me/e/20/gkpj)")
