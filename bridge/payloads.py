"""Reading the JSON bodies vendors send (webhook deliveries): errors name the position or the shape, never
the content. No I/O."""

from __future__ import annotations

import json
from typing import Any


def decode_json(body: bytes) -> Any:
    """Parse a webhook body, naming the position of broken JSON."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise ValueError(f"broken JSON at line {error.lineno} column {error.colno}: {error.msg}") from None


JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true or false",
              type(None): "null"}


def decode_object(body: bytes, what: str) -> dict[str, Any]:
    """Parse a webhook body that must be a JSON object; `what` names it in the error ("a Jira webhook event")."""
    data = decode_json(body)
    if not isinstance(data, dict):
        raise ValueError(f"expected {what} as a JSON object, got {JSON_KINDS[type(data)]}")
    return data
