"""Kept renders (render/reads.py): after any one-field edit, a kept page equals a fresh render.

Under `mkdocs serve` a record page is not rendered again while everything it
read holds. This test edits every scalar of every record of the minimal
knowledge base in turn (the edits come from the records and the schemas'
enums, as in test_serve_equivalence.py), and after each edit, and after its
undoing, generates the site's files twice: with the renders kept from the
step before, as a serve rebuild does, and from nothing. The two must be
equal, file by file, and most record pages must have been kept.

A page that shows a field of another record (an incident's related
incidents, with their titles; a term page's incidents) is only right if
that read was noted; leaving out a kind of read makes this test fail.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import MINIMAL
from test_serve_equivalence import _changed, _dump, _enum_values, _kind, _leaves, _records, _set

from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.pages.site import KEPT_RENDERS, generate, make_context
from mkdocs_lessons.render.reads import KeptRenders

TODAY = date(2026, 11, 27)


def _site(kb_root: Path, cache: DocumentCache, carry: dict[str, Any] | None) -> dict[str, Any] | None:
    outcome = open_knowledge_base(kb_root, base=kb_root, cache=cache, today=TODAY)
    if outcome.kb is None:
        return None
    ctx = make_context(outcome.kb, today=TODAY, carry=carry)
    return {f.src_uri: f.content for f in generate(ctx)}


def _edits(kb: Path) -> list[tuple[Path, tuple, Any]]:
    found = []
    for file in _records(kb):
        data = yaml.safe_load(file.read_text("utf-8"))
        for path, value in _leaves(data):
            if path and path[-1] != "id" and value is not None:
                found.append((file, path, _changed(value, _enum_values(_kind(file), path), len(found))))
    return found


def test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path):
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    kept = KeptRenders()
    carry: dict[str, Any] = {KEPT_RENDERS: kept}
    assert _site(kb, cache, carry) is not None
    unedited = _site(kb, DocumentCache(), None)  # what every undoing must give
    checked = reused = 0
    for file, path, value in _edits(kb):
        original = file.read_text("utf-8")
        data = yaml.safe_load(original)
        _set(data, path, value)
        for text in (_dump(data), original):  # the edit, then its undoing
            file.write_text(text, "utf-8")
            served = _site(kb, cache, carry)
            if served is None:  # the edit made the knowledge base invalid: serve shows the last good site
                continue
            fresh = unedited if text is original else _site(kb, DocumentCache(), None)
            assert fresh is not None
            differing = sorted(uri for uri in set(served) | set(fresh) if served.get(uri) != fresh.get(uri))
            assert differing == [], f"{file.name} {'.'.join(map(str, path))} = {value!r}: {differing}"
            checked += 1
            reused += kept.reused
    assert checked > 100
    assert reused > checked  # most record pages were kept, most of the time


def test_a_read_left_unnoted_is_caught(tmp_path, monkeypatch):
    """The planted mistake: reads of other incidents are not noted. Some edit must then show a stale page."""
    from mkdocs_lessons.render import reads

    note = reads.Recorder.note

    def forgetful(self: Any, name: str, key: Any, value: Any) -> None:
        if name != "kb.incidents":
            note(self, name, key, value)

    monkeypatch.setattr(reads.Recorder, "note", forgetful)
    with pytest.raises(AssertionError, match="differing|\\[.+\\]"):
        test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path)
