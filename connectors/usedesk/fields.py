"""Additional fields ("дополнительные поля"). `POST /ticket/fields` lists them: type 1 text, 2 list,
3 checkbox, 4 nested list (https://api.usedocs.ru/article/49527, https://api.usedocs.com/article/51411); a
list's `field_options` are {id, ticket_field_id, value, parent_option_id}, and each level of a nested list is
a field of its own whose `parent_field_id` names the level above (the shapes as
github.com/Humdruman/usedesk-client src/actions/tickets/fields.ts types them).

A ticket carries list values as option ids; the bridge reads and writes them by option text, as agents see
them. `/update/ticket` takes `field_id` and `field_value`, each joined by ";", a list's value as its option id
(https://api.usedocs.com/article/51379); nested lists are written through `lists` instead, which the bridge
does not do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bridge.errors import FatalError

TEXT, LIST, CHECKBOX, NESTED = 1, 2, 3, 4
SEPARATOR = ";"
ENDPOINT = "POST /update/ticket"


class FieldCatalog:
    """Field id -> type, and each list's option id -> option text."""

    def __init__(self, entries: Iterable[Mapping[str, Any]] = ()) -> None:
        self.types: dict[str, int] = {}
        self.options: dict[str, dict[str, str]] = {}
        for entry in entries:
            field = entry.get("custom_field") or {}
            field_id = str(field["id"])
            self.types[field_id] = int(field.get("ticket_field_type_id") or TEXT)
            self.options[field_id] = {str(o["id"]): str(o.get("value") or "") for o in entry.get("field_options") or ()}

    def knows(self, field_id: str, value: Any) -> bool:
        if field_id not in self.types:
            return False
        return self.types[field_id] not in (LIST, NESTED) or value in (None, "") or str(value) in self.options[field_id]

    def label(self, field_id: str, value: Any) -> Any:
        """A value as agents see it: a list option's text for its id; anything else as it is."""
        if value is None or self.types.get(field_id) not in (LIST, NESTED):
            return value
        return self.options[field_id].get(str(value), value)

    def encode(self, field_id: str, value: Any) -> str:
        """A patch value as /update/ticket takes it; FatalError for what cannot be written."""
        kind = self.types.get(field_id)
        if kind is None:
            raise FatalError(f"Usedesk has no additional field {field_id}", endpoint=ENDPOINT)
        if kind == NESTED:
            raise FatalError(f"field {field_id} is a nested list, which the bridge does not write", endpoint=ENDPOINT)
        if kind == CHECKBOX:
            return "true" if value in (True, "true", "1", 1) else "false"
        text = "" if value is None else str(value)
        if kind == LIST and text:
            ids = {name: option for option, name in self.options[field_id].items()}
            if text not in ids and text not in self.options[field_id]:
                raise FatalError(f"field {field_id} has no option '{text}'", endpoint=ENDPOINT)
            text = ids.get(text, text)
        if SEPARATOR in text:
            raise FatalError(f"a value of field {field_id} contains '{SEPARATOR}', which Usedesk reads as a "
                             "separator", endpoint=ENDPOINT)
        return text


def field_params(wanted: Mapping[str, Any], current: Mapping[str, Any], catalog: FieldCatalog) -> dict[str, str]:
    """`field_id` and `field_value` for the fields of `wanted` whose value differs from `current` (both by
    option text); empty when nothing differs."""
    changed = {str(k): v for k, v in wanted.items() if current.get(str(k)) != v}
    if not changed:
        return {}
    values = [catalog.encode(field_id, value) for field_id, value in changed.items()]
    return {"field_id": SEPARATOR.join(changed), "field_value": SEPARATOR.join(values)}
