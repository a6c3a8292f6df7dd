"""`mkdocs serve` rebuilds: only edited records are parsed and validated again."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import MINIMAL, serve_rebuild, write_config
from mkdocs_lessons.records import schema
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.cache import DocumentCache


def _project(tmp_path):
    """A copy of the minimal knowledge base and an MkDocs project building it: (kb, project, config)."""
    from mkdocs.config import load_config

    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, kb)
    return kb, project, load_config(str(project / "mkdocs.yml"))


def test_a_second_load_parses_and_validates_only_the_edited_file(tmp_path, monkeypatch):
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    validated: list[str] = []
    real_validate, real_is_valid = schema.validate, schema.is_valid
    # Good records read by the fast reader need only "valid?"; others get the full check.
    monkeypatch.setattr(schema, "validate", lambda doc, kind: validated.append(doc.data.get("id", kind)) or real_validate(doc, kind))
    monkeypatch.setattr(schema, "is_valid", lambda data, kind: validated.append(data.get("id", kind)) or real_is_valid(data, kind))

    first = open_knowledge_base(kb, base=kb, cache=cache)
    assert first.ok and cache.parsed == 7  # every file once
    assert len(validated) == 7

    validated.clear()
    again = open_knowledge_base(kb, base=kb, cache=cache)
    assert again.ok and cache.parsed == 0 and validated == []

    record = kb / "incidents/INC-2023-044.yaml"
    record.write_text(record.read_text("utf-8").replace("caught in staging by chance", "caught in staging"), "utf-8")
    edited = open_knowledge_base(kb, base=kb, cache=cache)
    assert cache.parsed == 1 and validated == ["INC-2023-044"]
    assert edited.kb.incidents["INC-2023-044"].summary.endswith("caught in staging.")


def test_a_broken_edit_is_reported_and_a_fix_recovers(tmp_path):
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    assert open_knowledge_base(kb, base=kb, cache=cache).ok
    record = kb / "incidents/INC-2023-044.yaml"
    good = record.read_text("utf-8")
    record.write_text(good.replace("kind: near-miss", "kind: near-mis"), "utf-8")
    broken = open_knowledge_base(kb, base=kb, cache=cache)
    assert [d.rule for d in broken.diagnostics] == ["schema-enum"]
    record.write_text(good, "utf-8")
    assert open_knowledge_base(kb, base=kb, cache=cache).ok


def test_deleted_files_leave_the_cache(tmp_path):
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    open_knowledge_base(kb, base=kb, cache=cache)
    (kb / "incidents/INC-2025-001.yaml").unlink()  # the draft
    open_knowledge_base(kb, base=kb, cache=cache)
    assert not any("INC-2025-001" in key for key in cache._entries)


class _FrozenClock:
    """`os.stat` as a coarse-clocked file system shows it: every record file
    keeps the same timestamps, size and inode, changed `changed_ns_ago`,
    whatever is written to it."""

    def __init__(self, monkeypatch, changed_ns_ago: int):
        import os
        import time

        from mkdocs_lessons.records import load as load_module

        real_stat = os.stat
        stamp = time.time_ns() - changed_ns_ago

        class Stat:  # the real stat, but for the fields the cache compares
            st_mtime_ns = st_ctime_ns = stamp
            st_size = st_ino = 1

            def __init__(self, real):
                self.real = real

            def __getattr__(self, name):
                return getattr(self.real, name)

        def stat(path, *args, **kwargs):
            real = real_stat(path, *args, **kwargs)
            return Stat(real) if str(path).endswith(".yaml") else real

        monkeypatch.setattr(load_module.os, "stat", stat)


def test_files_whose_stat_is_unchanged_are_not_read_again(tmp_path, monkeypatch):
    """Settled files (changed long before they were read) are trusted by their stat alone."""
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    _FrozenClock(monkeypatch, changed_ns_ago=60 * 10**9)
    assert open_knowledge_base(kb, base=kb, cache=cache).ok
    assert cache.hashed == 7 and cache.parsed == 7
    assert open_knowledge_base(kb, base=kb, cache=cache).ok
    assert cache.hashed == 0 and cache.parsed == 0  # one stat a file, nothing read


def test_a_file_changed_just_before_it_was_read_is_read_again(tmp_path, monkeypatch):
    """A second write in the same clock tick leaves the stat as it was: only the content tells.

    The stat is trusted only for files that had not changed for SETTLED_NS
    before they were read; here every write looks as if it happened now.
    """
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    _FrozenClock(monkeypatch, changed_ns_ago=0)
    assert open_knowledge_base(kb, base=kb, cache=cache).ok
    record = kb / "incidents/INC-2023-044.yaml"
    record.write_text(record.read_text("utf-8").replace("caught in staging by chance", "caught in staging"), "utf-8")
    edited = open_knowledge_base(kb, base=kb, cache=cache)
    assert cache.hashed == 7 and cache.parsed == 1
    assert edited.kb.incidents["INC-2023-044"].summary.endswith("caught in staging.")


def test_the_plugin_keeps_its_cache_across_rebuilds(tmp_path):
    """The same plugin instance (as under `serve`) rebuilds after an edit, parsing one file."""
    from mkdocs.commands.build import build as mkdocs_build

    kb, project, config = _project(tmp_path)
    mkdocs_build(config)
    plugin = config.plugins["lessons"]
    # MkDocs may hand back the instance of an earlier build in this process
    # (plugins with on_startup are kept): then even this build parsed nothing.
    assert plugin.cache.parsed in (0, 7)
    record = kb / "incidents/INC-2024-017.yaml"
    record.write_text(record.read_text("utf-8").replace("however small.", "however small or urgent."), "utf-8")
    mkdocs_build(config)
    assert plugin.cache.parsed == 1
    page = (project / "site/incidents/INC-2024-017/index.html").read_text("utf-8")
    assert "however small or urgent." in page
    assert config.extra_css.count("assets/lessons/lessons.css") == 1  # nothing piles up either


@pytest.mark.parametrize("command", ["build", "serve"])
def test_repeated_builds_free_the_last_builds_objects(tmp_path, command):
    """Nothing a build froze out of the collector outlives the next build.

    The garbage collector never frees frozen objects: had the next build
    frozen the last one's cyclic garbage again (MkDocs' pages and
    navigation), every `mkdocs serve` rebuild would have kept a whole site
    in memory (~50 MB a rebuild at 1,000 incidents).
    """
    import gc
    import weakref

    from mkdocs.commands.build import build as mkdocs_build

    kb, project, config = _project(tmp_path)
    config.plugins.on_startup(command=command, dirty=False)
    pages: list = []
    config.plugins.events["page_content"].append(lambda html, page, **kwargs: pages.append(weakref.ref(page)) or html)
    try:
        mkdocs_build(config)
        first = list(pages)
        # Under serve the build's pages are freed as it ends (tests/test_serve_garbage.py); a one-off build's live on.
        assert first and (command == "serve" or all(ref() is not None for ref in first))
        mkdocs_build(config)
        gc.collect()
        assert [ref for ref in first if ref() is not None] == []
    finally:
        config.plugins.on_shutdown()
        # MkDocs keeps this plugin instance for every later build in the process
        # (it has on_startup): leave it as a one-off build, as the other tests expect.
        config.plugins.on_startup(command="build", dirty=False)


def test_a_moved_record_leaves_no_edit_link_behind(tmp_path):
    """Edit links are kept across serve rebuilds for this build's record files only."""
    from mkdocs.commands.build import build as mkdocs_build

    kb, project, config = _project(tmp_path)
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        mkdocs_build(config)
        plugin = config.plugins["lessons"]
        old = kb / "incidents/INC-2023-044.yaml"
        assert any(key[0] == str(old) for key in plugin._edit_uris)
        # Renumbered (the id is the file name): its one reference follows.
        new = kb / "incidents/INC-2023-045.yaml"
        new.write_text(old.read_text("utf-8").replace("INC-2023-044", "INC-2023-045"), "utf-8")
        old.unlink()
        other = kb / "incidents/INC-2024-017.yaml"
        other.write_text(other.read_text("utf-8").replace("INC-2023-044", "INC-2023-045"), "utf-8")
        mkdocs_build(config)
        sources = {key[0] for key in plugin._edit_uris}
        assert str(new) in sources and str(old) not in sources
    finally:
        config.plugins.on_shutdown()
        config.plugins.on_startup(command="build", dirty=False)  # as the other tests expect (see above)


def test_serve_rebuilds_read_only_changed_records_and_remake_only_the_pages_that_show_them(tmp_path, monkeypatch):
    """Real `mkdocs build`s as `serve` runs them: unchanged (settled) records are not even read,
    and a record added while serving reaches the page it relates to while other pages are kept."""
    from mkdocs.commands.build import build as mkdocs_build

    kb, project, config = _project(tmp_path)
    _FrozenClock(monkeypatch, changed_ns_ago=60 * 10**9)  # every record changed a minute ago
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        mkdocs_build(config)
        plugin = config.plugins["lessons"]
        mkdocs_build(config)
        assert plugin.cache.hashed == 0 and plugin.cache.parsed == 0  # a stat each, nothing read
        related = (project / "site/incidents/INC-2023-044/index.html").read_text("utf-8")
        assert "INC-2024-099" not in related

        # Relates to INC-2023-044 (as INC-2024-017 does) and shares nothing else with it:
        # no term, team, tag or word, so only the relation puts it on that page.
        text = (kb / "incidents/INC-2024-017.yaml").read_text("utf-8")
        for old, new in (
            ("id: INC-2024-017", "id: INC-2024-099"),
            ("title: Checkout outage after an unreviewed config push", "title: Hailstorm cut power to the warehouse"),
            ("summary: One paragraph for the index and search results.", "summary: Hailstorm cut power overnight."),
            ("teams: [payments, sre]", "teams: [sre]"),
            ("primary: process-deviation/skipped-review", "primary: external-shock"),
            ("  secondary: [design-flaw/missing-guardrail]\n", ""),
            ("tags: [config, checkout]", "tags: [weather]"),
        ):
            assert old in text, old
            text = text.replace(old, new)
        (kb / "incidents/INC-2024-099.yaml").write_text(text, "utf-8")
        serve_rebuild(config)  # as `serve` rebuilds after a save
        assert plugin.cache.hashed == 1 and plugin.cache.parsed == 1  # the new file only
        assert plugin.serve_cache.reused > 0  # not every page rendered by the theme again
        related = (project / "site/incidents/INC-2023-044/index.html").read_text("utf-8")
        assert "INC-2024-099" in related and "refers to this incident" in related
        assert (project / "site/incidents/INC-2024-099/index.html").is_file()
    finally:
        config.plugins.on_shutdown()
        config.plugins.on_startup(command="build", dirty=False)  # as the other tests expect (see above)


@pytest.mark.parametrize("command", ["build", "serve"])
def test_the_process_exits_without_collecting_its_heap(tmp_path, command):
    """Once the plugin has started, the interpreter's exit leaves the heap to the system (records/collector.py).

    Python's finalization collects everything still alive: 0.45 s of a 1,000-incident build, after MkDocs'
    last line. A cycle with a finaliser shows whether it ran: a process that has not started the plugin
    collects it at exit (the control), one that has does not, and exits 0 either way.
    """
    import subprocess
    import sys

    script = (
        "import gc, sys\n"
        "from mkdocs_lessons.plugin import LessonsPlugin\n"
        "class Node:\n"
        "    def __del__(self): print('collected', flush=True)\n"
        "node = Node(); node.me = node; del node\n"
        "gc.disable()  # the cycle stays until the exit (or a collection)\n"
        f"if sys.argv[1] == 'plugin': LessonsPlugin().on_startup(command={command!r}, dirty=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    runs = {
        who: subprocess.run([sys.executable, "-c", script, who], capture_output=True, text=True, timeout=60, env=env)
        for who in ("control", "plugin")
    }
    assert [(run.returncode, run.stdout) for run in runs.values()] == [(0, "collected\n"), (0, "")], runs
