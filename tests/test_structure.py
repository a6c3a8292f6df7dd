"""The shape of the package: what may import MkDocs, that every module stands alone, no cycles, the public API.

These are the invariants ARCHITECTURE.md promises a newcomer:

- only the adapter (`plugin.py`, `config.py` and `adapter/`) imports MkDocs or
  Material: the core (records, checks, analysis, pages, charts, render, cli,
  generate, importers, search) runs without them, for `lessons` and for other
  builders;
- every module imports alone in a fresh interpreter, and a core module does
  not pull MkDocs in through another module;
- no import cycles between modules, and the pipeline's order holds: a module imports only
  from its own step or earlier ones (records, then checks, then analysis, then render,
  then pages and charts, then generate/cli/importers, then the adapter);
- every module opens with a docstring that says what it owns;
- `mkdocs_lessons.__all__` is the public API, every name in it resolves, and
  ARCHITECTURE.md lists exactly those names.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import mkdocs_lessons

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "plugins" / "mkdocs_lessons"
ADAPTER = re.compile(r"^mkdocs_lessons\.(plugin|config|adapter(\..+)?)$")
MKDOCS = re.compile(r"^(mkdocs|material)(\.|$)")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


#: Every module of the package by name (`python -m` entry files are scripts, not modules).
MODULES: dict[str, Path] = {
    _module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts and p.name != "__main__.py"
}


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def _load_time(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements run when a module is imported: not function bodies, not `if TYPE_CHECKING:`."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from _load_time(node.orelse)
            continue
        yield node
        for field in ("body", "orelse", "finalbody"):
            yield from _load_time([c for c in getattr(node, field, []) or [] if isinstance(c, ast.stmt)])
        for handler in getattr(node, "handlers", []) or []:
            yield from _load_time(handler.body)


@functools.cache
def _tree(name: str) -> ast.Module:
    """A module's syntax tree, parsed once for every test here."""
    return ast.parse(MODULES[name].read_text("utf-8"))


@functools.cache
def _imports(name: str, *, top_level: bool) -> frozenset[str]:
    """Modules `name` imports (a package's module where it is one): at load time only if `top_level`, else anywhere."""
    tree = _tree(name)
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _load_time(tree.body) if top_level else ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return frozenset(found)


def test_the_package_has_the_expected_number_of_modules() -> None:
    # Guards the tests below against finding nothing (a moved package, a wrong path).
    assert len(MODULES) > 100 and "mkdocs_lessons.plugin" in MODULES and "mkdocs_lessons.records.load" in MODULES


def test_only_the_adapter_imports_mkdocs() -> None:
    offenders = {
        name: sorted(i for i in _imports(name, top_level=False) if MKDOCS.match(i))
        for name in MODULES
        if not ADAPTER.match(name)
    }
    assert {name: found for name, found in offenders.items() if found} == {}
    # The adapter does import it: the pattern above still means something.
    assert any(MKDOCS.match(i) for i in _imports("mkdocs_lessons.plugin", top_level=True))


_ALONE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("mkdocs", "material"))))
"""


def _import_alone(name: str) -> tuple[str, int, str, list[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", _ALONE, name], capture_output=True, text=True, env=env, timeout=120)
    loaded = json.loads(run.stdout) if run.returncode == 0 else []
    return name, run.returncode, run.stderr[-800:], loaded


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(_import_alone, MODULES))
    failed = {name: err for name, code, err, _ in results if code != 0}
    assert failed == {}
    # A core module that pulls MkDocs in through another module breaks `lessons` and other builders alike.
    through = {name: loaded[:3] for name, _, _, loaded in results if loaded and not ADAPTER.match(name)}
    assert through == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        targets = set()
        for imported in _imports(name, top_level=True):
            # Importing a.b.c runs a and a.b first: a package's own __init__ counts as imported too.
            parts = imported.split(".")
            targets |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(MODULES)
        graph[name] = targets - {name}
    return graph


def test_no_import_cycles() -> None:
    graph = _import_graph()
    assert sum(len(t) for t in graph.values()) > 300  # the graph was read
    assert _cycles(graph) == []


#: The pipeline's steps, in order: a module may import from its own step and earlier ones only.
#: Keyed by the first name under `mkdocs_lessons` (a folder or a top-level module).
STEPS = {
    **dict.fromkeys(["diagnostics", "clock", "text", "timing", "project"], 0),  # shared by every step
    **dict.fromkeys(["records", "dates", "urls"], 1),
    **dict.fromkeys(["checks", "knowledge", "settings"], 2),
    "analysis": 3,
    "render": 4,
    **dict.fromkeys(["pages", "charts", "search"], 5),
    **dict.fromkeys(["generate", "cli", "importers"], 6),
    **dict.fromkeys(["adapter", "plugin", "config"], 7),
}


def _step(name: str) -> int:
    return STEPS[name.split(".")[1]]


def test_every_module_has_a_step() -> None:
    assert sorted({name.split(".")[1] for name in MODULES if "." in name} - set(STEPS)) == []


def test_the_pipeline_only_looks_back() -> None:
    """Records know nothing of checks, checks nothing of the analysis, the analysis nothing of pages..."""
    forward = sorted(
        f"{name} -> {imported}"
        for name in MODULES
        if "." in name
        for imported in _imports(name, top_level=False)
        if imported.startswith("mkdocs_lessons.") and imported in MODULES and _step(imported) > _step(name)
    )
    assert forward == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_says_what_it_owns() -> None:
    missing = [name for name in MODULES if not ast.get_docstring(_tree(name))]
    assert missing == []


def test_the_public_api_is_all_and_architecture_lists_it() -> None:
    public = set(mkdocs_lessons.__all__)
    assert len(public) == len(mkdocs_lessons.__all__)  # no name twice
    assert public == {"__version__", *mkdocs_lessons._OWNERS}  # noqa: SLF001  (each name has an owner)
    # What type checkers are told each name is: the same owner (the `if TYPE_CHECKING:` imports).
    told = {
        alias.name: node.module
        for block in _tree("mkdocs_lessons").body
        if isinstance(block, ast.If) and _is_type_checking(block)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert told == mkdocs_lessons._OWNERS  # noqa: SLF001
    for name in public:
        assert getattr(mkdocs_lessons, name) is not None, name
    text = (REPO / "ARCHITECTURE.md").read_text("utf-8")
    section = text.split("## Public API", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^- `([A-Za-z_]+)`", section, re.M))
    assert listed == public


def test_importing_the_package_imports_neither_mkdocs_nor_the_core() -> None:
    code = "import sys, mkdocs_lessons; print(sorted(m for m in sys.modules if m.startswith(('mkdocs', 'material'))))"
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "['mkdocs_lessons']"
