"""POST /webhooks/<source>: verify, store in the inbox, answer 202. No vendor call happens in the request."""

from __future__ import annotations

import hashlib
import json
import logging

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from bridge.errors import ConfigError, InvalidSignature
from bridge.ports import Connector
from bridge.registry import known_sources
from bridge.store import inbox
from bridge.web.context import runtime
from bridge.web.inbox_writer import InboxWriter

log = logging.getLogger(__name__)
blueprint = Blueprint("webhooks", __name__)
KEPT_HEADERS = ("content-type", "user-agent")  # and each connector's own `delivery_headers`
WRITER = "wishbridge.inbox_writer"


def install(app: Flask) -> None:
    """Receive webhooks on `app`, each process storing them through its one InboxWriter."""
    app.extensions[WRITER] = InboxWriter(runtime(app))
    app.register_blueprint(blueprint)


def _connector(source: str) -> Connector:
    return runtime().connector(source)


def stored_body(body: bytes, secret_fields: tuple[str, ...]) -> str:
    """The delivery as the inbox keeps it: without the top-level fields its connector says carry a secret."""
    text = body.decode("utf-8", "replace")
    if not secret_fields:
        return text
    data = json.loads(text)  # parse_webhook accepted it, so it is a JSON object
    return json.dumps({key: value for key, value in data.items() if key not in secret_fields}, ensure_ascii=False)


@blueprint.post("/webhooks/<source>")
def receive(source: str) -> ResponseReturnValue:
    if source not in known_sources():
        return jsonify(error=f"unknown source '{source}'"), 404
    try:
        connector = _connector(source)
    except ConfigError as error:
        log.warning("webhook.unconfigured", extra={"source": source, "reason": "; ".join(error.problems)})
        return jsonify(error=f"the {source} connector is not configured"), 404
    body = request.get_data()
    headers = dict(request.headers)
    if request.query_string:
        headers["X-Wishbridge-Query"] = request.query_string.decode("latin-1")
    try:
        events = connector.parse_webhook(headers, body)
    except InvalidSignature as error:
        log.warning("webhook.rejected", extra={"source": source, "reason": str(error)})
        return jsonify(error=f"invalid signature: {error}"), 401
    # parse_webhook does no I/O: any of these means the verified body is not shaped as the vendor documents.
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return jsonify(error=f"malformed {source} webhook: {error}"), 400
    delivery = events[0].delivery_id if events else hashlib.sha256(body).hexdigest()
    wanted = (*KEPT_HEADERS, *connector.delivery_headers)
    kept = {k.lower(): v for k, v in request.headers.items() if k.lower() in wanted}
    stored = current_app.extensions[WRITER].store(inbox.Delivery(
        source, delivery, kept, stored_body(body, connector.secret_body_fields), [e.record() for e in events]))
    log.info("webhook.received", extra={"source": source, "delivery": delivery, "duplicate": not stored})
    return jsonify(accepted=True, duplicate=not stored, events=len(events)), 202
