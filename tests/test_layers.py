"""The package's shape: imports only go down the declared layers, no cycles, no overgrown modules."""

from __future__ import annotations

from pathlib import Path

import grimp
from helpers import ROOT
from importlinter import cli as importlinter_cli

import casim

REPO = ROOT
PACKAGE = Path(casim.__file__).parent
MAX_LINES = 400  # a module over this says why at its top, in a line starting "Longer than 400 lines:"


def test_imports_follow_the_layers_declared_in_pyproject():
    # lint-imports reads [tool.importlinter] (docs/design.md draws the same layers); exit 0 = every contract kept
    assert importlinter_cli.lint_imports(config_filename=str(REPO / "pyproject.toml")) == 0


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), i.e. the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_planted_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_any_chain():
    """Lazy imports inside functions count (grimp reads every import statement), so none can hide a cycle.

    A package's ``__init__`` re-exporting its own modules is not a cycle of jobs, so imports of a
    package by its own descendants (``casim.votes.logit`` → ``casim.votes``) are left out.
    """
    g = grimp.build_graph("casim", cache_dir=None, exclude_type_checking_imports=True)
    graph = {
        m: {i for i in g.find_modules_directly_imported_by(m) if not m.startswith(i + ".")}
        for m in g.modules
        if m != "casim"  # the root package re-exports the public API from below
    }
    graph = {m: {i for i in deps if i != "casim"} for m, deps in graph.items()}
    assert _cycles(graph) == []


def test_no_module_is_over_400_lines_without_saying_why():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and not any(
            line.lstrip("# ").startswith("Longer than 400 lines:") for line in lines[:15]
        ):
            long.append(f"{path.relative_to(PACKAGE)} ({len(lines)} lines)")
    assert long == []


def test_the_layer_drawing_in_design_md_lists_each_layer_of_the_contract_in_order():
    """docs/design.md#layers draws the contract of pyproject.toml: every layer, its modules, top to bottom."""
    import re
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in config if c["type"] == "layers"]
    text = (ROOT / "docs" / "design.md").read_text()
    drawing = text[text.index("## Layers") :]
    drawing = drawing[drawing.index("```") + 3 :]
    drawing = drawing[: drawing.index("```")]
    lines = [re.sub(r"\s*\(.*$", "", line[13:]).strip() for line in drawing.splitlines() if line[13:].strip()]
    drawn = [line for line in lines if re.fullmatch(r"[\w|\s]+", line)]
    assert drawn == [" | ".join(p.strip() for p in layer.split("|")) for layer in layers]
