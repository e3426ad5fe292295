"""The web layer reaches the store only through workflow commands, read models and store repositories: no
module under bridge/web/ imports the tables or builds SQL, and all of them reach the Runtime one way."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "bridge" / "web"
TYPE_HINTS_ONLY = {"Connection", "Engine"}


def imports(source: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from module import name` and (module, "") of every `import module`."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom):
            found += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_no_web_module_imports_the_tables_or_builds_sql() -> None:
    offending = {
        f"{source.relative_to(WEB)}: {module} {name}".strip()
        for source in WEB.rglob("*.py") for module, name in imports(source)
        if module.startswith("bridge.store.schema") or (module == "bridge.store" and name == "schema")
        or (module.startswith("sqlalchemy") and name not in TYPE_HINTS_ONLY)
    }
    assert offending == set()


def test_the_runtime_is_reached_only_through_the_web_context() -> None:
    direct = {str(source.relative_to(WEB)) for source in WEB.rglob("*.py")
              if "wishbridge.runtime" in source.read_text() and source.name != "context.py"}
    assert direct == set()
