"""The benchmark runs end to end and reports every figure (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO


def test_bench_build_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/bench_build.py"), "--incidents", "200", "--runs", "1", "--rebuild-repeats", "1", "--pagefind", "--json", str(out), "--markdown"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text("utf-8"))
    for key in ("machine", "incidents", "pages", "validate_s", "validate_cli_s", "build_s", "baseline_s", "overhead_ratio", "overhead_ratio_by_turn",
                "build_cpu_s", "baseline_cpu_s", "overhead_ratio_cpu", "overhead_ratio_cpu_by_turn", "steal_s_by_run", "peak_rss_mb",
                "site_mb", "search_index_mb", "plugin_phases_s", "rebuild", "pagefind"):
        assert key in result, key
    assert result["incidents"] == 200 and result["pages"] > 200
    assert result["build_cpu_s"] > 0 and result["baseline_cpu_s"] > 0 and len(result["overhead_ratio_cpu_by_turn"]) == 1
    assert set(result["plugin_phases_s"]) >= {"lint", "load", "validate", "link", "charts", "pages", "data"}
    assert set(result["rebuild"]) == {"serve_peak_rss_mb", "cold_wall_s", "cold_plugin_s", "summary", "severity", "added record"}
    for edit in ("summary", "severity", "added record"):
        assert set(result["rebuild"][edit]) >= {"plugin_s", "plugin_share_of_cold", "plugin_share_of_cold_build", "files_reused", "plugin_runs_s"}
        assert len(result["rebuild"][edit]["plugin_runs_s"]) == 2  # the edit and its undoing
        assert result["rebuild"][edit]["parsed"] == 1  # the edited (or added) file only
    # A summary edit makes a few files again (its page, the pages listing it as similar,
    # kb.json, feed, home); a severity edit, the aggregate pages too.
    reused, _, total = result["rebuild"]["summary"]["files_reused"].split()
    assert int(reused) >= 0.9 * int(total), result["rebuild"]["summary"]
    assert set(result["pagefind"]) >= {"build_s", "index_s", "bundle_mb", "files"}
    assert done.stdout.rstrip().splitlines()[-1].startswith("| 200 |")


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
