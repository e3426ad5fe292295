"""The import rules ARCHITECTURE.md draws: no cycles between modules, the core never imports a connector, a
sandbox or the demo, lower layers never import higher ones, connectors never import each other, and the web
layer never touches the store's tables. Read from the source (ast), so it needs nothing installed."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_THE_CORE = ("connectors", "sandboxes", "demo", "tests")
FOUNDATIONS = ("errors", "model", "payloads", "config", "registry", "ports", "http", "logs", "text", "mapping",
               "store")
DOMAIN = ("grouping", "workflow", "outbox", "sync", "tracker", "reports")
APPLICATION = ("runtime", "web", "worker", "cli", "testing")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules(package: str) -> dict[str, Path]:
    return {module_name(path): path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts}


def imports(path: Path) -> Iterator[str]:
    """Every module a file imports, at any depth (function-level imports count too). `from package import
    module` is an import of that module (a parent package loads with each of its modules anyway)."""
    known = {**modules("bridge"), **modules("connectors")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            found = [name for name in submodules if name in known]
            yield from found if len(found) == len(submodules) else [node.module, *found]


def layer(module: str) -> str:
    """'bridge.workflow.lifecycle' -> 'workflow'; 'bridge' itself is its public API."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "bridge"


def core_edges() -> dict[str, set[str]]:
    known = modules("bridge")
    return {name: {target for target in imports(path) if target in known and target != name}
            for name, path in known.items()}


def test_no_two_core_modules_import_each_other_even_through_others():
    edges, state, cycles = core_edges(), {}, []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(edges[name]):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target):] + [target] if target in trail else [name, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_core_never_imports_a_connector_a_sandbox_or_the_demo():
    wrong = sorted((name, target) for name, path in modules("bridge").items() for target in imports(path)
                   if target.split(".")[0] in OUTSIDE_THE_CORE)
    assert wrong == []


def test_foundations_never_import_the_domain_and_the_domain_never_imports_the_application():
    wrong = []
    for name, targets in core_edges().items():
        for target in targets:
            if layer(name) in FOUNDATIONS and layer(target) in DOMAIN + APPLICATION:
                wrong.append((name, target))
            if layer(name) in DOMAIN and layer(target) in APPLICATION:
                wrong.append((name, target))
    assert sorted(wrong) == []


def test_connectors_never_import_each_other_a_sandbox_or_the_demo():
    wrong = []
    for name, path in modules("connectors").items():
        own = ".".join(name.split(".")[:2])
        for target in imports(path):
            if target.split(".")[0] in ("sandboxes", "demo", "tests"):
                wrong.append((name, target))
            elif target.startswith("connectors.") and not target.startswith(own):
                wrong.append((name, target))
    assert sorted(wrong) == []
