"""`lessons validate` reads large knowledge bases on every core, with the very same result."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO
from mkdocs_lessons import prefetch
from mkdocs_lessons.knowledge import open_knowledge_base

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

pytestmark = pytest.mark.skipif(prefetch.workers_available() < 2 and "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork")


def test_parallel_first_read_gives_the_serial_result(tmp_path, monkeypatch):
    monkeypatch.setattr(prefetch, "MIN_FILES", 50)
    kb = synth.generate(tmp_path / "kb", 120)
    files = sorted((kb / "incidents").glob("*.yaml"))
    # Mistakes of every kind the fast read must leave to the exact one.
    files[3].write_text(files[3].read_text("utf-8").replace("\nstatus: ", "\nstatus: bogus-", 1), "utf-8")
    files[5].write_text(files[5].read_text("utf-8").replace("\nteams:", "\nteams: &t", 1), "utf-8")
    files[7].write_text("id: [unclosed\n", "utf-8")
    files[9].write_bytes(b"\xff\xfe" + files[9].read_bytes())
    files[11].write_text(files[11].read_text("utf-8") + "title: again\n", "utf-8")

    serial = open_knowledge_base(kb, base=tmp_path)
    parallel = open_knowledge_base(kb, base=tmp_path, workers=2)
    assert [str(d) for d in parallel.diagnostics] == [str(d) for d in serial.diagnostics]
    assert len(serial.diagnostics.errors) >= 4 and any(d.field == "status" for d in serial.diagnostics.errors)
    assert parallel.loaded.incidents.keys() == serial.loaded.incidents.keys()
    for incident_id, incident in serial.loaded.incidents.items():
        assert parallel.loaded.incidents[incident_id].raw == incident.raw
    fast = [d for d in parallel.loaded.documents.values() if d.fast]
    assert len(fast) > 100  # most came from the workers
    assert {d.path for d in parallel.loaded.documents.values()} == {d.path for d in serial.loaded.documents.values()}


def test_small_knowledge_bases_stay_in_one_process(tmp_path):
    assert prefetch.prefetch([(tmp_path / "a.yaml", "incident")], workers=2) == {}
