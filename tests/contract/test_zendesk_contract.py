"""Every request the Zendesk connector sends, and every sandbox answer to it, against Zendesk's OpenAPI document.

The document (../shared/specs/zendesk-support-oas.yaml) is parsed once per session. Three of its statements
contradict Zendesk's own reference pages and are corrected in memory, each at the line below that does it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from bridge.model import Patch, TicketRef, TicketWrite
from connectors.zendesk import ZendeskConnector
from sandboxes.zendesk import create_sandbox, load_seed, sandbox_of, serve_in_thread
from tests.conftest import ROOT, shared_path

SEED = load_seed(ROOT / "tests" / "fixtures" / "zendesk" / "seed.json")
SPEC_HOST = "https://example.zendesk.com"


class _SpecLoader(yaml.CSafeLoader):
    """Reads the bare `=` example (the YAML "value" tag) as the string it is; see ../shared/specs/README.md."""


_SpecLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def corrected(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    # start_time is required on the first request only; later ones send `cursor` alone:
    # https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-export-cursor-based
    spec["paths"]["/api/v2/incremental/tickets/cursor"]["parameters"] = [
        {**spec["components"]["parameters"]["IncrementalUnixTime"], "required": False},
        {"$ref": "#/components/parameters/IncrementalCursor"},
    ]
    # A custom field *value* is {"id", "value"}, not a field definition (CustomFieldObject):
    # https://developer.zendesk.com/documentation/ticketing/managing-tickets/creating-and-updating-tickets#setting-custom-field-values
    spec["components"]["schemas"]["TicketUpdateInput"]["properties"]["custom_fields"]["items"] = {
        "type": "object", "properties": {"id": {"type": "integer"}, "value": {}}, "required": ["id"]}
    # The export lists deleted tickets with status "deleted":
    # https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api/#excluding-deleted-tickets
    spec["components"]["schemas"]["TicketObject"]["properties"]["status"]["enum"].append("deleted")
    return spec


@pytest.fixture(scope="session")
def zendesk_spec() -> OpenAPI:
    with shared_path("specs", "zendesk-support-oas.yaml").open(encoding="utf-8") as file:
        spec = yaml.load(file, Loader=_SpecLoader)
    # The published document fails its own schema check elsewhere (an unresolved path parameter of
    # /api/v2/brand_agents), so validation of the document itself is turned off.
    return OpenAPI.from_dict(corrected(spec), config=Config(spec_validator_cls=None))


class ZendeskRequest(RequestsOpenAPIRequest):
    """A recorded request as the spec names it: on its server, and without the `.json` suffix it omits."""

    @property
    def host_url(self) -> str:
        return SPEC_HOST

    @property
    def path(self) -> str:
        return super().path.removesuffix(".json")


@pytest.fixture(scope="module")
def exchanges() -> Iterator[list[requests.Response]]:
    """Every exchange of a sync and a partly failing bulk write-back between the connector and the sandbox."""
    app = create_sandbox(SEED, export_budget_per_minute=100)
    base_url, stop = serve_in_thread(app)
    connector = ZendeskConnector(base_url, "bridge@example.com", "sandbox-token", page_size=3, job_poll_seconds=0)
    recorded: list[requests.Response] = []
    connector.client.session.hooks["response"].append(lambda response, *_, **__: recorded.append(response))
    try:
        list(connector.fetch_changes(None))
        connector.get_ticket(TicketRef("zendesk", "101"))
        sandbox_of(app).fail_ids.add(102)
        patch = Patch(comment="Ваше пожелание зарегистрировано", tags_add=("wish_registered",),
                      tags_remove=("wish_new",), fields={"360000000020": "W-1"}, status="open")
        writes = [TicketWrite(TicketRef("zendesk", i), patch, f"stage:registered:g1:e0:t{i}")
                  for i in ("101", "102", "103", "106")]
        connector.apply(writes)
        connector.apply([replace(writes[1], check=True)])
        connector.apply([replace(writes[3], check=True)])
        yield recorded
    finally:
        stop()


def _problem(check: Callable[[], Any]) -> str | None:
    try:
        check()
    except Exception as error:  # openapi-core raises a family of unrelated errors
        causes = getattr(error, "schema_errors", None) or [error.__cause__ or error]
        return "; ".join(map(str, causes))
    return None


def spec_errors(spec: OpenAPI, responses: list[requests.Response]) -> list[str]:
    errors = []
    for response in responses:
        request, answer = ZendeskRequest(response.request), RequestsOpenAPIResponse(response)
        problems = {"request": _problem(partial(spec.validate_request, request)),
                    "response": _problem(partial(spec.validate_response, request, answer))}
        errors += [f"{request.method} {request.path} {step}: {p}" for step, p in problems.items() if p]
    return errors


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v2/incremental/tickets/cursor"),
    ("GET", "/api/v2/ticket_fields"),
    ("GET", "/api/v2/tickets/101"),
    ("PUT", "/api/v2/tickets/update_many"),
    ("GET", "/api/v2/job_statuses/show_many"),
    ("GET", "/api/v2/job_statuses"),
    ("GET", "/api/v2/tickets/show_many"),
    ("PUT", "/api/v2/tickets/102"),
    ("POST", "/api/v2/tickets"),
], ids=["incremental export", "ticket fields", "show ticket", "batch update", "job statuses together",
        "list job statuses", "show many tickets", "update ticket", "follow-up ticket"])
def test_the_connector_and_the_sandbox_speak_zendesks_documented_api(
        zendesk_spec: OpenAPI, exchanges: list[requests.Response], method: str, path: str) -> None:
    matching = [r for r in exchanges
                if r.request.method == method and re.fullmatch(path, ZendeskRequest(r.request).path)]

    assert matching, f"the scenario sent no {method} {path}"
    assert spec_errors(zendesk_spec, matching) == []


def test_the_export_was_read_in_several_pages_with_start_time_once(exchanges: list[requests.Response]) -> None:
    export = [r.request.url or "" for r in exchanges if "/incremental/" in (r.request.url or "")]

    assert len(export) > 1
    assert ["start_time=" in url for url in export] == [True] + [False] * (len(export) - 1)
