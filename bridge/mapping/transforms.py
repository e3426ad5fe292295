"""Named value transforms admins may list under `transform:`. Values, never code."""

from __future__ import annotations

from collections.abc import Callable, Sequence

TRANSFORMS: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "lower": str.lower,
    "casefold": str.casefold,
    "nested_parent": lambda value: value.split("::", 1)[0].strip(),
    "nested_child": lambda value: value.split("::", 1)[-1].strip(),
    "underscores_to_spaces": lambda value: value.replace("_", " "),
}


def apply_transforms(names: Sequence[str], value: str) -> str:
    for name in names:
        value = TRANSFORMS[name](value)
    return value
