"""Row ids as the store holds them: every `id` column is an Integer, 32 bits on PostgreSQL."""

from __future__ import annotations

ID_MAX = 2**31 - 1


def store_id(text: str) -> int:
    """`text` as a row id the store can hold (1 to ID_MAX); ValueError for anything else, so a 20-digit id from
    a form is a refusal and never a database overflow."""
    value = int(text)
    if not 0 < value <= ID_MAX:
        raise ValueError(f"no such id: {text}")
    return value
