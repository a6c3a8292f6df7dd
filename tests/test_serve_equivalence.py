"""Serve rebuilds give the same site as a cold build, byte for byte, after any edits.

Under `mkdocs serve` the plugin rebuilds in place and renders only the pages
whose inputs changed (adapter/serve_cache.py). This test makes random
sequences of edits to a small knowledge base, rebuilds as `serve` does
after each, and compares every file of the site with a cold `mkdocs build`
of the same records. The edits are generated from the records themselves:
any scalar of any record (text, enum value, date, number, flag) changed to
another valid value, records added (a copy under a new id) and removed.
"""

from __future__ import annotations

import copy
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, example, given, settings, strategies as st

from conftest import MINIMAL, serve_rebuild, write_config
from mkdocs_lessons.records import schema
from mkdocs_lessons.knowledge import open_knowledge_base

EPOCH = "1795000000"


def _leaves(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(data, dict):
        for key in sorted(data, key=str):
            yield from _leaves(data[key], (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _leaves(item, (*path, index))
    else:
        yield path, data


def _enum_values(kind: str, path: tuple) -> list[Any]:
    """The enum of the schema property at `path` (list indexes skipped), or []."""
    if not kind:
        return []
    root: Any = schema.schema(kind)

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
            target = root
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    node = resolve(root)
    for part in path:
        node = resolve(node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {}))
    return list(node.get("enum", []))


def _changed(value: Any, enum: list[Any], salt: int) -> Any:
    if enum:
        others = [v for v in enum if v != value]
        return others[salt % len(others)] if others else value
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(minutes=1 + salt % 50)
    if isinstance(value, date):
        return value + timedelta(days=1 + salt % 5)
    if isinstance(value, str):
        return value + (" edited" if salt % 2 else " (changed)")
    return value


def _set(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _records(kb: Path) -> list[Path]:
    return sorted(p for p in kb.rglob("*.yaml"))


def _kind(path: Path) -> str:
    return {"incidents": "incident", "sops": "sop", "paths": "path"}.get(path.parent.name, path.stem if path.stem in ("taxonomy", "teams") else "")


def _apply(kb: Path, op: tuple[str, int, int]) -> None:
    """One edit: ("edit", which leaf, salt), ("add", which incident, n) or ("remove", which incident, 0)."""
    name, which, salt = op
    if name == "doc":
        # The site's own Markdown page gets a new title: every page's navigation names it.
        (kb.parent / "docs" / "about.md").write_text(f"# About this base ({salt})\n\nWhat it holds.\n", "utf-8")
        return
    if name == "edit":
        files = _records(kb)
        file = files[which % len(files)]
        data = yaml.safe_load(file.read_text("utf-8"))
        leaves = [(p, v) for p, v in _leaves(data) if p and p[-1] != "id" and v is not None]
        path, value = leaves[(which // len(files) + salt) % len(leaves)]
        _set(data, path, _changed(value, _enum_values(_kind(file), path), salt))
        file.write_text(_dump(data), "utf-8")
        return
    incidents = sorted((kb / "incidents").glob("*.yaml"))
    if name == "add":
        source = incidents[which % len(incidents)]
        data = yaml.safe_load(source.read_text("utf-8"))
        data["id"] = f"INC-2025-{100 + salt:03d}"
        data["title"] = f"{data['title']} again"
        (kb / "incidents" / f"{data['id']}.yaml").write_text(_dump(data), "utf-8")
    elif name == "remove" and len(incidents) > 1:
        # A copy added earlier if there is one: nothing refers to it, so the knowledge base stays valid.
        copies = [p for p in incidents if p.stem.startswith("INC-2025-1")]
        (copies or incidents)[which % len(copies or incidents)].unlink()


def _plain(data: Any) -> Any:
    """Dates and timestamps as ISO text (PyYAML would write a space for the `T`)."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, (date, datetime)):
        return data.isoformat()
    return data


def _dump(data: Any) -> str:
    return yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True)


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _valid(kb: Path) -> bool:
    return open_knowledge_base(kb, base=kb).ok


edits = st.lists(
    st.tuples(st.sampled_from(["edit", "edit", "edit", "add", "remove", "doc"]), st.integers(0, 10_000), st.integers(0, 50)),
    min_size=1,
    max_size=3,
)


def _serve_then_cold(tmp: Path, ops: list[tuple[str, int, int]], monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, list[str]]]:
    """Serve-style rebuilds after each edit, then a cold build of each state; the files that differ per step."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    kb = shutil.copytree(MINIMAL, tmp / "kb")
    # The site's own Markdown pages, titled by their headings, in the navigation of every page.
    docs = tmp / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Welcome\n\nThe knowledge base's home.\n", "utf-8")
    (docs / "about.md").write_text("# About this base\n\nWhat it holds.\n", "utf-8")
    project = tmp / "serve"
    project.mkdir()
    # The serve cache replays Material's search entries.
    write_config(project, kb, options={"search": "material"}, extra={"docs_dir": str(docs)})
    states: list[tuple[Path, Path, dict[str, bytes]]] = []
    config = load_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        mkdocs_build(config)
        for step, op in enumerate(ops):
            _apply(kb, op)
            assume(_valid(kb))
            # As `mkdocs serve` does: the config is read again, the plugin instances are kept.
            config = load_config(str(project / "mkdocs.yml"))
            serve_rebuild(config)
            snapshot = shutil.copytree(kb, tmp / f"kb-{step}")
            states.append((snapshot, shutil.copytree(docs, tmp / f"docs-{step}"), _tree(project / "site")))
    finally:
        config.plugins.on_shutdown()
        config.plugins.on_startup(command="build", dirty=False)
    differences = []
    for step, (snapshot, docs_snapshot, served) in enumerate(states):
        cold = tmp / f"cold-{step}"
        cold.mkdir()
        write_config(cold, tmp / "kb", options={"search": "material"}, extra={"docs_dir": str(docs)})
        # The same root path as the serve project (messages and edit links name it).
        shutil.rmtree(kb)
        shutil.copytree(snapshot, kb)
        shutil.rmtree(docs)
        shutil.copytree(docs_snapshot, docs)
        cold_config = load_config(str(cold / "mkdocs.yml"))
        mkdocs_build(cold_config)
        built = _tree(cold / "site")
        differences.append((step, sorted(n for n in set(built) | set(served) if built.get(n) != served.get(n))))
    return differences


# No shrinking: each example is several builds; a failure names its edits anyway.
@settings(max_examples=5, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=edits)
@example(ops=[("add", 0, 1), ("remove", 0, 0)])  # a removed page must be gone from the served site
@example(ops=[("edit", 3, 1), ("doc", 0, 2), ("edit", 5, 3)])  # a Markdown page's new title: every page's navigation
def test_serve_rebuilds_build_what_a_cold_build_builds(tmp_path_factory, monkeypatch, ops):
    tmp = tmp_path_factory.mktemp("equivalence")
    for step, differing in _serve_then_cold(tmp, ops, monkeypatch):
        assert differing == [], f"after {ops[: step + 1]}: {differing[:10]}"


def test_serve_rebuilds_reuse_the_pages_an_edit_did_not_change(tmp_path, monkeypatch):
    """The cache is used: a summary edit gives most generated pages their last output."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    project = tmp_path / "serve"
    project.mkdir()
    write_config(project, kb, options={"search": "material"})  # the serve cache replays Material's search entries
    config = load_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        mkdocs_build(config)
        plugin = config.plugins["lessons"]
        assert plugin.serve_cache.reused == 0
        record = kb / "incidents/INC-2023-044.yaml"
        data = yaml.safe_load(record.read_text("utf-8"))
        data["impact"] = "Edited impact."
        record.write_text(_dump(data), "utf-8")
        config = load_config(str(project / "mkdocs.yml"))
        serve_rebuild(config)
        pages = plugin.serve_cache.checked
        assert pages >= 2 and plugin.serve_cache.reused >= pages - 3, (plugin.serve_cache.reused, pages)
        assert "Edited impact." in (project / "site/incidents/INC-2023-044/index.html").read_text("utf-8")
        # The plugin kept the lists too (render/watched_records.py): none shows an incident's impact.
        rendered = plugin.carry["renders"].rendered_keys
        for key in (("incidents",), ("dashboard",), ("actions",), ("lessons",), ("taxonomy",), ("teams",)):
            assert key not in rendered, rendered
    finally:
        config.plugins.on_shutdown()
        config.plugins.on_startup(command="build", dirty=False)


def _edit_title_and_summary(kb: Path, op: tuple[str, int, int]) -> None:
    """A save that changes what lists show (the title) or only what the record's page shows (the summary)."""
    record = kb / "incidents/INC-2023-044.yaml"
    data = yaml.safe_load(record.read_text("utf-8"))
    field = "title" if op[0] == "title" else "summary"
    data[field] = f"{data[field]} ({op[0]} {op[2]})"
    record.write_text(_dump(data), "utf-8")


def _valid_always(valid: bool) -> None:
    """`assume` outside Hypothesis: these edits keep the knowledge base valid."""
    assert valid


def test_kept_list_pages_build_what_a_cold_build_builds(tmp_path_factory, monkeypatch):
    """Summary edits keep the list pages (render/watched_records.py), title edits change them: every file still equals a cold build's."""
    import test_serve_equivalence as module

    monkeypatch.setattr(module, "_apply", _edit_title_and_summary)
    monkeypatch.setattr(module, "assume", _valid_always)
    ops = [("summary", 0, 1), ("title", 0, 2), ("summary", 0, 3)]
    for step, differing in _serve_then_cold(tmp_path_factory.mktemp("lists"), ops, monkeypatch):
        assert differing == [], f"after {ops[: step + 1]}: {differing[:10]}"


def test_a_record_judged_by_presence_only_is_caught(tmp_path_factory, monkeypatch):
    """The planted mistake: a kept render holds while the records it read are there, whatever changed in them."""
    import test_serve_equivalence as module
    from mkdocs_lessons.render import watched_records

    monkeypatch.setattr(watched_records.Kinds, "holds", lambda self, where, seen, judged: where[1][1] in self.maps[where[0]][1])
    monkeypatch.setattr(module, "_apply", _edit_title_and_summary)
    monkeypatch.setattr(module, "assume", _valid_always)
    differences = _serve_then_cold(tmp_path_factory.mktemp("planted"), [("title", 0, 1)], monkeypatch)
    assert any(differing for _, differing in differences)


def test_a_list_row_kept_without_judging_is_caught(tmp_path_factory, monkeypatch):
    """The planted mistake: a row of a list made again is the last build's without a look at what it read
    (render/kept_rows.py). A title edit must then leave the old title in the lists."""
    import test_serve_equivalence as module
    from mkdocs_lessons.render.kept_rows import KeptRows

    monkeypatch.setattr(module, "_apply", _edit_title_and_summary)
    monkeypatch.setattr(module, "assume", _valid_always)
    original = KeptRows.row

    def trusting(self: KeptRows, key: Any, make: Any) -> Any:
        found = self._old.get(key)
        if found is None or self._new is None:
            return original(self, key, make)
        self._new[key] = found
        return found[1]

    monkeypatch.setattr(KeptRows, "row", trusting)
    differences = _serve_then_cold(tmp_path_factory.mktemp("rows"), [("title", 0, 1)], monkeypatch)
    assert any(differing for _, differing in differences)
