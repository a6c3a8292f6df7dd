"""The benchmark runs end to end and reports every figure (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO


def test_bench_build_reports_every_figure(tmp_path):
    # The smallest base that has an incident no other record names (to remove under
    # serve); 1 run, 1 serve repeat: about 10 builds, most of the time MkDocs' fixed
    # costs. Without --pagefind, a build more (tests/test_pagefind.py covers Pagefind).
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/bench_build.py"), "--incidents", "20", "--runs", "1", "--serve-repeats", "1", "--json", str(out), "--markdown"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text("utf-8"))
    for key in ("machine", "plugin_path", "incidents", "pages", "validate_s", "validate_cli_s", "build_s", "floor_s", "ratio", "ratio_by_turn",
                "build_runs_s", "floor_runs_s", "build_cpu_s", "floor_cpu_s", "ratio_cpu", "ratio_cpu_by_turn", "steal_s_by_run",
                "plugin_phases_s", "peak_rss_mb", "floor_peak_rss_mb", "site_mb", "search_index_mb", "heaviest_page", "pages_over_1mb",
                "floor_site", "serve"):
        assert result.get(key) is not None, key
    # The benchmark measured this checkout's plugin, not another one on the path.
    assert result["plugin_path"] == str(REPO / "plugins" / "mkdocs_lessons")
    assert result["incidents"] == 20 and result["pages"] > 20
    assert result["floor_site"]["pages"] == 20 + 2  # an incident page each, home, 404
    assert result["build_cpu_s"] > 0 and result["floor_cpu_s"] > 0
    assert len(result["ratio_by_turn"]) == len(result["ratio_cpu_by_turn"]) == 1
    assert result["peak_rss_mb"] > 0 and result["floor_peak_rss_mb"] > 0
    assert set(result["plugin_phases_s"]) >= {"lint", "load", "validate", "link", "charts", "pages", "data"}
    assert result["heaviest_page"]["path"].endswith(".html") and result["heaviest_page"]["bytes"] > 0
    assert result["pages_over_1mb"] == 0
    serve = result["serve"]
    assert serve["start_s"] > 0 and serve["repeats"] == 1 and serve["peak_rss_mb"] > 0
    for kind in ("edit", "add", "remove"):
        assert set(serve[kind]) == {"visible_s", "runs_s", "cpu_s", "cpu_runs_s", "undo_visible_s", "undo_runs_s", "undo_cpu_runs_s", "record"}, kind
        assert serve[kind]["visible_s"] > 0 and serve[kind]["cpu_s"] is not None and serve[kind]["undo_visible_s"] > 0, kind
        assert len(serve[kind]["runs_s"]) == len(serve[kind]["cpu_runs_s"]) == len(serve[kind]["undo_runs_s"]) == 1
    assert "pagefind" not in result
    assert done.stdout.rstrip().splitlines()[-1].startswith("| 20 |")


def test_bench_phases_reports_the_growth_of_every_phase():
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/bench_phases.py"), "--incidents", "30", "60", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["records_ratio"] == 2
    assert set(result["growth"]) >= {"read and validate", "lint", "generate", "charts", "pages", "data"}


def test_serve_trace_marks_each_save_on_its_way(tmp_path):
    # A real `mkdocs serve` through serve_trace.py: each save is seen by the records folder's file-event watch
    # (adapter/serve_watch.py), built, and shown over HTTP; every mark is there and in order.
    from conftest import synthetic_kb

    kb = synthetic_kb(tmp_path / "kb", 20)
    out = tmp_path / "trace.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/serve_trace.py"), "--kb", str(kb), "--work", str(tmp_path / "work"), "--edits", "2", "--pause", "2.5",
         "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    rows = json.loads(out.read_text("utf-8"))
    assert len(rows) == 2
    for row in rows:
        assert 0 <= row["event"] <= row["config start"] <= row["config end"] <= row["build start"] <= row["build end"] <= row["visible"], row
        assert {"pages", "judge", "load"} <= set(row["phases"]), row
        # The records are not polled: MkDocs' poller snapshots only docs_dir and mkdocs.yml during the build.
        assert row["poll cpu during build"] < 0.05, row
    assert "by polling" not in (tmp_path / "work" / "serve.log").read_text("utf-8")
