"""Under `mkdocs serve` a rebuild leaves no reference cycles of its own, and the frozen heap leaks nothing.

The serve collector freezes the long-lived heap and collects only what each
build made (adapter/serve_collector.py). That is safe only while a rebuild's
garbage is freed by reference counting: a cycle among frozen objects is never
collected. The cycles a rebuild used to make (MkDocs' files, pages and
navigation, the `is_modified` each file held of itself, the theme's
environment, the watched renders' record stand-ins, a replaced record and
its document) are broken where they are made; these tests find every cycle
a rebuild leaves with `gc.DEBUG_SAVEALL` (the strongly connected components
of what the collector finds, benchmarks/serve_memory.py `cycles`), after
saves of every kind: a title, a lesson, a summary, an added and a removed
incident.
"""

from __future__ import annotations

import gc
import re
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Iterator

import pytest
from conftest import serve_rebuild, synthetic_kb, write_config
from jinja2 import Environment

from mkdocs_lessons.adapter.serve_collector import DeferredCollector


def _serve_memory() -> Any:
    """benchmarks/serve_memory.py (its `components` and `type_name`)."""
    import importlib

    import site_snapshot  # noqa: F401  # puts benchmarks/ on the path

    return importlib.import_module("serve_memory")


#: Kinds of objects that are in no reference cycle a rebuild leaves, by module. (Jinja makes cycles by design:
#: each compiled template names itself through its module's namespace, and each page the theme renders leaves
#: its context and macros in one. Made and dropped within the build, they go at the collection after it.)
FIXED_MODULES = (
    "mkdocs_lessons.",  # records, documents, stand-ins, reads, link-graph entries, rendered pages
    "mkdocs.structure.",  # files, pages, sections, tables of contents
    "jinja2.ext.",  # the theme environment's i18n extension
)
#: ... and by full name.
FIXED_TYPES = {
    "functools.partial",  # a file's `is_modified` once was one, naming the file
    "jinja2.environment.Environment",  # the theme's, made each build
}


def _found_by_collector() -> list[Any]:
    """What one collection finds, kept (DEBUG_SAVEALL); freed once the caller drops it."""
    return _serve_memory().collected_garbage()


def _fixed_kinds_in_cycles(objects: list[Any]) -> list[str]:
    return sorted(kind for kind in _cycle_kinds(objects) if kind.startswith(FIXED_MODULES) or kind in FIXED_TYPES)


def _cycle_kinds(objects: list[Any]) -> set[str]:
    """Full type names of every object in a reference cycle among `objects` (of Jinja environments, only the
    build's theme environment: Material's search makes throwaway ones of its own in `on_config`)."""
    memory = _serve_memory()
    kinds: set[str] = set()
    for component in memory.components(objects):
        members = [objects[i] for i in component]
        if any(isinstance(obj, Environment) and not _theirs(obj) for obj in members):
            continue
        kinds.update(memory.type_name(obj) for obj in members)
    return kinds


def _theirs(env: Environment) -> bool:
    """The build's theme environment (the serve cache gives it its bytecode cache)."""
    return type(env.bytecode_cache).__module__.startswith("mkdocs_lessons")


def _saves(kb: Path) -> Iterator[str]:
    """One incident's title, then a lesson, undone; another's summary, undone; an incident added, then removed."""
    incidents = sorted((kb / "incidents").glob("*.yaml"))
    edited, other = incidents[len(incidents) // 2], incidents[len(incidents) // 3]
    text, other_text = edited.read_text("utf-8"), other.read_text("utf-8")
    retitled = re.sub(r"^title: .*$", "title: Retitled for the garbage test", text, count=1, flags=re.M)
    edited.write_text(retitled, "utf-8")
    yield "title"
    edited.write_text(re.sub(r"^(lessons:\n- )", r"\1An edited lesson. ", retitled, count=1, flags=re.M), "utf-8")
    yield "lessons"
    edited.write_text(text, "utf-8")
    yield "undo"
    other.write_text(re.sub(r"^summary: '", "summary: 'Edited. ", other_text, count=1, flags=re.M), "utf-8")
    yield "summary"
    other.write_text(other_text, "utf-8")
    yield "undo summary"
    newest = incidents[-1]
    number = int(newest.stem.rsplit("-", 1)[1]) + 1
    added = newest.with_name(f"{newest.stem.rsplit('-', 1)[0]}-{number:03d}.yaml")
    added.write_text(newest.read_text("utf-8").replace(f"id: {newest.stem}", f"id: {added.stem}", 1), "utf-8")
    yield "add"
    added.unlink()
    yield "remove"


def _serving(tmp_path: Path, incidents: int = 12) -> tuple[Path, Path, Any]:
    from mkdocs.config import load_config

    kb = synthetic_kb(tmp_path / "kb", incidents)
    project = tmp_path / "site"
    project.mkdir()
    write_config(project, kb, options={"search": "material"})
    config = load_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    return kb, project, config


def _stop(config: Any) -> None:
    config.plugins.on_shutdown()
    # MkDocs keeps this plugin instance for every later build in the process (it has on_startup).
    config.plugins.on_startup(command="build", dirty=False)


def test_a_rebuild_leaves_no_cycle_of_its_own(tmp_path):
    """After each kind of save, no object the plugin or MkDocs' structure makes is in a reference cycle."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    kb, project, config = _serving(tmp_path)
    try:
        mkdocs_build(config)
        for save in _saves(kb):
            config = load_config(str(project / "mkdocs.yml"))
            serve_rebuild(config)
            config.plugins["lessons"].collector._cancel()  # the collection is this test's
            found = _found_by_collector()
            assert _fixed_kinds_in_cycles(found) == [], f"after the {save} save"
            del found
        gc.enable()
    finally:
        _stop(config)


def test_a_rebuild_frees_its_pages(tmp_path):
    """Reference counting frees a rebuild's files and pages as it ends, but those the theme rendered and those
    in the navigation (Jinja's page context is a cycle that names its page and the navigation); the collection
    after the build frees those."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    kb, project, config = _serving(tmp_path)
    pages: list[Any] = []
    rendered: set[int] = set()
    try:
        mkdocs_build(config)
        config = load_config(str(project / "mkdocs.yml"))

        def note(nav: Any, *, config: Any, files: Any) -> Any:
            pages.extend(weakref.ref(file.page) for file in files.documentation_pages() if file.page is not None)
            rendered.update(id(page) for page in nav.pages)  # every rendered page's context names the navigation
            return nav

        def note_rendered(context: Any, *, page: Any, **kwargs: Any) -> Any:
            rendered.add(id(page))
            return context

        config.plugins.events["nav"].append(note)
        config.plugins.events["page_context"].append(note_rendered)
        next(_saves(kb))  # a title edited: its pages rendered again
        collector = config.plugins["lessons"].collector
        collector.delay = 0.5
        serve_rebuild(config)
        assert not gc.isenabled()  # the build's end turns nothing on: only reference counting frees anything
        alive = [ref() for ref in pages if ref() is not None]  # (no name outlives the list: it would hold a page)
        assert pages and len(alive) < len(pages) / 2
        assert {id(page) for page in alive} <= rendered
        del alive
        _wait_for_collection(collector)
        assert [ref() for ref in pages if ref() is not None] == []
    finally:
        _stop(config)


def test_many_saves_leave_no_cycle_among_the_frozen(tmp_path):
    """The collector as serve runs it (heap frozen, each build's leftovers collected and frozen): after rounds of
    saves, everything frozen is let go and collected once, and nothing the plugin or MkDocs makes was in a cycle
    there, and little else; the number of objects is as after the first round."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    kb, project, config = _serving(tmp_path)
    counts: list[int] = []
    try:
        mkdocs_build(config)
        collector = config.plugins["lessons"].collector
        collector.delay = 0.01
        assert gc.get_freeze_count() > 0 and gc.isenabled()  # the first build is frozen at once
        for _ in range(3):
            for _save in _saves(kb):
                config = load_config(str(project / "mkdocs.yml"))
                serve_rebuild(config)
                _wait_for_collection(collector)
            counts.append(len(gc.get_objects()) + gc.get_freeze_count())
        assert collector.full_collections == 0  # the safety net was not needed
        gc.unfreeze()
        found = _found_by_collector()
        assert _fixed_kinds_in_cycles(found) == []
        # What is left is a few objects a save (importlib's metadata lookups, made at each config load: 210 in
        # all here); the first build's page contexts frozen uncollected would be about 17,600.
        assert len(found) < 1000
        del found
        assert counts[-1] <= counts[0] * 1.01, counts
    finally:
        _stop(config)


def _wait_for_collection(collector: DeferredCollector) -> None:
    deadline = time.monotonic() + 30
    while not gc.isenabled():  # turned on again once the build's collection ran
        assert time.monotonic() < deadline, "no collection after the build"
        time.sleep(0.01)


class _Node:
    def __init__(self) -> None:
        self.other: Any = self


def test_the_safety_net_frees_a_cycle_left_among_the_frozen():
    """A reference cycle nobody broke, frozen: once the heap has grown by `regrowth`, one collection over everything
    frees it."""
    collector = DeferredCollector(delay=0.01, regrowth=0.25)
    try:
        collector.pause()
        lost = _Node()
        probe = weakref.ref(lost)
        collector.resume()  # the first build: frozen
        del lost
        assert probe() is not None  # frozen: no collection finds it
        collector.pause()
        grown = [[] for _ in range(sys.getallocatedblocks() // 3)]  # a heap a third larger, kept
        collector.resume()
        _wait_for_collection(collector)
        assert collector.full_collections == 1
        assert probe() is None
        del grown
    finally:
        collector.close()
    assert gc.get_freeze_count() == 0


def test_a_save_during_the_wait_moves_the_collection_after_its_build():
    collector = DeferredCollector(delay=0.2)
    try:
        collector.pause()
        collector.resume()  # first build: frozen, collector on
        assert gc.isenabled()
        collector.pause()
        collector.resume()
        assert not gc.isenabled()  # off until the collection, not collecting the build at its next allocation
        collector.pause()  # a save within the delay
        assert not gc.isenabled()
        time.sleep(0.3)
        assert not gc.isenabled()  # the dropped collection did not turn it on mid-build
        collector.resume()
        deadline = time.monotonic() + 10
        while not gc.isenabled():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert threading.active_count() >= 1
    finally:
        collector.close()
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.fixture(autouse=True)
def _collector_restored():
    yield
    gc.set_debug(0)
    gc.unfreeze()
    gc.enable()
