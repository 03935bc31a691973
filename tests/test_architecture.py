"""The package's boundaries, read from its source with ``ast``.

Nodes are glue_workflow's subpackages and its top-level modules; an edge is an import
(at any depth in a module, including imports inside functions). The graph must have no
cycle, and the local ``awsglue`` runtime (a stand-alone library on a job's path) must
import nothing from glue_workflow.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = "glue_workflow"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE
RUNTIME_DIR = PACKAGE_DIR / "awsglue_local" / "runtime"
# Project templates are copied into new projects, not imported as part of the package.
SKIPPED = (PACKAGE_DIR / "templates",)


def module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, module: str) -> Iterator[str]:
    """Every absolute module name ``path`` imports (``from m import x`` gives m and m.x)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)


def node_of(root_name: str, module: str) -> str | None:
    """The graph node of ``module``: its subpackage or top-level module (None outside)."""
    parts = module.split(".")
    if parts[0] != root_name or len(parts) < 2:
        return None
    return parts[1]


def is_node(root: Path, name: str) -> bool:
    return (root / name / "__init__.py").is_file() or (root / f"{name}.py").is_file()


def import_graph(root: Path, skipped: tuple[Path, ...] = ()) -> dict[str, set[str]]:
    """Node -> the nodes it imports, for the package at ``root``."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if any(path.is_relative_to(s) for s in skipped):
            continue
        module = module_name(root, path)
        source = node_of(root.name, module)
        if source is None:
            continue
        targets = graph.setdefault(source, set())
        for imported in imported_modules(path, module):
            target = node_of(root.name, imported)
            # a node is a subpackage or module: "from pkg import __version__" names neither
            if target and target != source and is_node(root, target):
                targets.add(target)
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]``, or None (depth-first search)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def edge_sources(root: Path, source: str, target: str) -> list[str]:
    """The modules of node ``source`` that import node ``target`` (for the message)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(root, path)
        if node_of(root.name, module) == source and any(
            node_of(root.name, m) == target for m in imported_modules(path, module)
        ):
            found.append(module)
    return found


def test_subpackages_import_each_other_without_a_cycle():
    graph = import_graph(PACKAGE_DIR, SKIPPED)
    assert {"model", "validation", "local", "awsglue_local", "cli"} <= set(graph)
    cycle = find_cycle(graph)
    if cycle:
        edges = [
            f"{a} -> {b} ({', '.join(edge_sources(PACKAGE_DIR, a, b))})"
            for a, b in itertools.pairwise(cycle)
        ]
        pytest.fail("import cycle between subpackages: " + "; ".join(edges))


def test_the_model_does_not_import_validation():
    assert "validation" not in import_graph(PACKAGE_DIR, SKIPPED)["model"]


def test_the_awsglue_runtime_imports_nothing_from_the_package():
    offenders = [
        f"{path.relative_to(PACKAGE_DIR.parent)}: {imported}"
        for path in sorted(RUNTIME_DIR.rglob("*.py"))
        for imported in imported_modules(path, module_name(RUNTIME_DIR, path))
        if imported == PACKAGE or imported.startswith(f"{PACKAGE}.")
    ]
    assert offenders == []


def write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checker_finds_a_cycle_through_subpackages_and_modules(tmp_path):
    package = write(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "errors.py": "",
            "a/__init__.py": "from pkg.a.inner import x\n",
            "a/inner.py": "def f():\n    from pkg import helpers\n",
            "helpers.py": "from .b import y\nimport pkg.errors\n",
            "b/__init__.py": "",
            "b/y.py": "from ..a import inner\n",
        },
    )
    graph = import_graph(package)
    assert graph == {"a": {"helpers"}, "helpers": {"b", "errors"}, "b": {"a"}, "errors": set()}
    assert find_cycle(graph) == ["a", "helpers", "b", "a"]
    assert edge_sources(package, "b", "a") == ["pkg.b.y"]


def test_the_checker_passes_a_layered_package(tmp_path):
    package = write(
        tmp_path / "pkg",
        {
            "__init__.py": "__version__ = '1'\n",
            "a/__init__.py": "from pkg import __version__\nfrom pkg.b import y\n",
            "b/__init__.py": "from pkg.b.y import z\n",
            "b/y.py": "z = 1\n",
        },
    )
    graph = import_graph(package)
    assert graph == {"a": {"b"}, "b": set()}
    assert find_cycle(graph) is None
