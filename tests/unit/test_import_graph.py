"""The shape of the package, checked from its source with `ast`: parts depend on each other one way only.

A top-level part is a package or module directly under `reconciler/` (model, manifest, netlify, resources,
plan, apply, live, ...). The shared vocabulary (`model`) imports nothing else of ours; no chain of imports
between parts leads back to where it started; and no part outside `resources/` tells kinds apart by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

from reconciler.resources import all_kinds

PACKAGE = Path(__file__).resolve().parents[2] / "reconciler"


def _part_of(module: str) -> str | None:
    """`reconciler.plan.model` -> `plan`; names outside the package -> None."""
    parts = module.split(".")
    if parts[0] != "reconciler" or len(parts) < 2:
        return None
    return parts[1]


def _source_part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _module_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The parts `path` imports, relative imports and `from reconciler import x` included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {part for alias in node.names if (part := _part_of(alias.name))}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            if base == "reconciler":
                found |= {alias.name for alias in node.names if (PACKAGE / alias.name).exists()
                          or (PACKAGE / f"{alias.name}.py").exists()}
            elif part := _part_of(base):
                found.add(part)
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue
        source = _source_part(path)
        graph.setdefault(source, set()).update(_imports(path) - {source})
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path of parts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_what_the_source_says():
    graph = _graph()
    assert {"model", "manifest", "netlify", "resources", "plan", "apply", "live", "cli"} <= set(graph)
    assert "model" in graph["resources"] and "resources" in graph["plan"] and "netlify" in graph["live"]


def test_no_import_cycle_between_top_level_parts():
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_shared_vocabulary_imports_nothing_of_ours():
    assert _graph()["model"] == set()


def test_only_resources_tell_kinds_apart_by_name():
    """Kinds differ by the protocols they implement, never by `change.kind == "deploy"` elsewhere."""
    names = {kind.name for kind in all_kinds()}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _source_part(path) in ("resources", "emulator"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            named = any(isinstance(s, ast.Attribute) and s.attr in ("kind", "name") for s in sides)
            literal = [s.value for s in sides if isinstance(s, ast.Constant) and s.value in names]
            if named and literal:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: compares with {literal[0]!r}")
    assert found == []
