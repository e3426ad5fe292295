"""The product's API: `POST /api/v1/wishes` registers a wish from a "suggest an improvement" form and
`GET /api/v1/wishes/<id>` tells the product the wish's stage; `GET /api/v1/groups/<number>` (`W-12`; the number of
a group merged into another answers with that group) and `GET /api/v1/groups?ticket=<id>[&source=<helpdesk>]`
look a wish group up by the public number customers are told or by a helpdesk ticket. Every answer about a wish
or group carries its public `number` (a wish's is its group's).

Callers authenticate with `Authorization: Bearer <key>` or `X-API-Key: <key>` (keys in WISHBRIDGE_API_KEYS).
Errors are JSON `{"error": ..., "field": ...}`: 400 bad or missing field, 401 bad key, 404 unknown wish or group,
415 not JSON, 429 over a rate limit (with Retry-After): submissions per hour per key and customer, per client
address (whatever `customer_id` says), and per key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection

from bridge.mapping.messages import LANGUAGES
from bridge.sync.intake import topic_problem
from bridge.text.numbers import public_number
from bridge.web.context import runtime
from bridge.web.ratelimit import Limits, SlidingWindow
from bridge.workflow.lifecycle import add_wish
from bridge.workflow.lookup import Found, absorbed, by_number, of_ticket
from bridge.workflow.wish_stage import group_stage, wish_stage

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
TEXT_LIMIT = 5000
FIELD_LIMITS = {"customer_id": 120, "title": 200, "organization": 200, "contact": 200, "category": 200,
                "subcategory": 200, "language": 8}
HOUR = 3600.0
RATE_LIMITS = {"customer": 10, "address": 30, "key": 500}
NO_KEY = "a valid API key is required (Authorization: Bearer <key> or X-API-Key)"
OVER_LIMIT = {"customer": "too many wishes from this customer", "address": "too many wishes from your address",
              "key": "too many wishes with this API key"}


def _error(status: int, message: str, field: str | None = None) -> ResponseReturnValue:
    return jsonify(error=message, field=field), status


def _caller() -> str | None:
    """A short fingerprint of the caller's valid key (never the key itself), or None."""
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("X-API-Key", "")
    valid = [k for k in runtime().settings["WISHBRIDGE_API_KEYS"] if key and hmac.compare_digest(k, key)]
    return "api:" + hashlib.sha256(key.encode()).hexdigest()[:10] if valid else None


def rate_limits(**per_hour: int) -> Limits:
    """The submission limits, RATE_LIMITS unless `per_hour` changes some (customer=, address=, key=)."""
    return Limits({name: SlidingWindow(limit, HOUR) for name, limit in {**RATE_LIMITS, **per_hour}.items()})


def _limiter() -> Limits:
    limiter: Limits = current_app.extensions.setdefault("wishbridge.api_limiter", rate_limits())
    return limiter


def _invalid(body: Any) -> tuple[str, str | None] | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object", None
    for name in ("customer_id", "text"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            return f"'{name}' is required and must be non-empty text", name
    if len(body["text"]) > TEXT_LIMIT:
        return f"'text' is {len(body['text'])} characters long; {TEXT_LIMIT} at most", "text"
    for name, limit in FIELD_LIMITS.items():
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            return f"'{name}' must be text", name
        if value is not None and len(value) > limit:
            return f"'{name}' is longer than {limit} characters", name
    if body.get("language") not in (None, *LANGUAGES):
        return f"'language' must be one of {', '.join(LANGUAGES)}", "language"
    unknown = sorted(set(body) - set(FIELD_LIMITS) - {"text"})
    if unknown:
        return f"unknown field '{unknown[0]}'", unknown[0]
    return None


@blueprint.post("/wishes")
def submit() -> ResponseReturnValue:
    caller = _caller()
    if caller is None:
        return _error(401, NO_KEY)
    if not request.is_json:
        return _error(415, "send the wish as application/json")
    body = request.get_json(silent=True)
    rt = runtime()
    problem = _invalid(body)
    if problem:
        return _error(400, *problem)
    assert isinstance(body, dict)
    topic = topic_problem(rt.mappings, body.get("category"), body.get("subcategory"))
    if topic:
        return _error(400, topic[1], topic[0])
    limiter = _limiter()
    refused = limiter.hit({"customer": (caller, body["customer_id"]), "address": request.remote_addr,
                           "key": caller})
    if refused is not None:
        name, wait = refused
        response = jsonify(error=f"{OVER_LIMIT[name]}: {limiter.windows[name].limit} per hour at most", field=None)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response, 429
    with rt.engine.begin() as conn:
        ref = add_wish(conn, rt.mappings, door="product", actor=caller, text=body["text"].strip(),
                       title=body.get("title"), organization=body.get("organization") or "",
                       contact=body.get("contact") or "", customer_id=body["customer_id"],
                       category=body.get("category"), subcategory=body.get("subcategory"),
                       language=body.get("language"))
    return jsonify(wish_id=ref.wish_id, group_id=ref.group_id, number=public_number(ref.group_id),
                   stage="registered"), 201


@blueprint.get("/wishes/<int:wish_id>")
def stage(wish_id: int) -> ResponseReturnValue:
    if _caller() is None:
        return _error(401, NO_KEY)
    with runtime().engine.connect() as conn:
        found = wish_stage(conn, wish_id)
    if found is None:
        return _error(404, f"no wish {wish_id}")
    return jsonify(wish_id=found.wish_id, group_id=found.group_id, number=public_number(found.group_id),
                   title=found.title, stage=found.stage, reason=found.reason)


def _group(conn: Connection, hit: Found) -> dict[str, Any]:
    """A found group as the API tells it: its number, stage and the numbers that lead to it."""
    found = group_stage(conn, hit.group_id)
    assert found is not None, "lookup found the group"
    return {"number": hit.number, "group_id": found.group_id, "title": found.title, "stage": found.stage,
            "reason": found.reason, "asked": hit.asked,
            "absorbed": [public_number(group_id) for group_id in absorbed(conn, hit.group_id)]}


@blueprint.get("/groups/<number>")
def group(number: str) -> ResponseReturnValue:
    if _caller() is None:
        return _error(401, NO_KEY)
    with runtime().engine.connect() as conn:
        hit = by_number(conn, number)
        body = _group(conn, hit) if hit else None
    if body is None:
        return _error(404, f"no wish group {number}")
    return jsonify(body)


@blueprint.get("/groups")
def groups_of_ticket() -> ResponseReturnValue:
    if _caller() is None:
        return _error(401, NO_KEY)
    ticket, source = request.args.get("ticket", "").strip(), request.args.get("source", "").strip()
    if not ticket:
        return _error(400, "'ticket' is required: a helpdesk ticket id, with 'source' to name the helpdesk", "ticket")
    with runtime().engine.connect() as conn:
        found = [_group(conn, hit) for hit in of_ticket(conn, ticket, source or None)]
    return jsonify(groups=found)
