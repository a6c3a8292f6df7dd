"""Measure the plugin at size: validate, build by phase, memory, site and index sizes.

    python benchmarks/bench_build.py --incidents 1000 --runs 3
    python benchmarks/bench_build.py --incidents 10000 --runs 1 --pagefind

For N incidents it generates a synthetic knowledge base (benchmarks/synth.py,
fixed seed), then measures, as the median of --runs runs:

- `lessons validate`'s work (load + validate) in this process;
- `mkdocs build` with the plugin in a fresh process: wall time, the plugin's
  time by phase (load, validate, link, charts, pages, data, search), peak RSS;
- the baseline: the very pages the plugin generated, saved as plain Markdown
  and built by MkDocs + Material without the plugin (same theme, extensions,
  assets and navigation), its runs taking turns with the plugin's. The
  headline is build / baseline: what the plugin costs on top of what MkDocs
  must spend on those pages anyway;
- site size and search index size (Material's `search_index.json`; with
  --pagefind also a Pagefind build and its index).

Results: JSON on stdout (and --json FILE); --markdown prints a table row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

EXTENSIONS = ["toc", "tables", "attr_list", "md_in_html", "admonition", "pymdownx.details", "pymdownx.tasklist"]


def _tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _config(root: Path, kb: Path, *, plugin: bool, search: str = "material") -> Path:
    import yaml

    config: dict[str, Any] = {
        "site_name": "Benchmark",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material", "font": False},
        "markdown_extensions": EXTENSIONS,
    }
    if plugin:
        lessons = {"root": str(kb), "today": "2026-11-27", "search": search, "last_updated": False}
        config["plugins"] = ([] if search == "pagefind" else ["search"]) + [{"lessons": lessons}]
    (root / "docs").mkdir(parents=True, exist_ok=True)
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


# -- the worker: one build in a fresh process ---------------------------------------


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _steal_seconds() -> float | None:
    """CPU time the hypervisor gave other guests, all CPUs, since boot (Linux); None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def worker(config_file: Path, dump: Path | None) -> None:
    """Build once; print wall and CPU time, plugin phases and peak RSS as JSON."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    steal = _steal_seconds()
    cpu = _cpu_seconds()
    start = time.perf_counter()
    config = load_config(str(config_file))
    build(config)
    wall = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    steal_after = _steal_seconds()
    plugin = config.plugins.get("lessons")
    result = {
        "wall": wall,
        # The CPU time the build itself used: a slow spell of the machine
        # (another guest on the host, "steal") lengthens the wall time only.
        "cpu": cpu,
        "steal": None if steal is None or steal_after is None else steal_after - steal,
        "phases": dict(plugin.timings.seconds) if plugin is not None else {},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if dump is not None and plugin is not None:
        # Save the generated pages for the baseline build (pages, assets, nav).
        from mkdocs_lessons.pages import generate

        dump.mkdir(parents=True, exist_ok=True)
        ctx = plugin.last_context
        for file in generate(ctx, home=True):
            target = dump / "docs" / file.src_uri
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(file.content, "utf-8") if isinstance(file.content, str) else target.write_bytes(file.content)
        (dump / "nav.json").write_text(json.dumps(config.nav), "utf-8")
        (dump / "extra.json").write_text(json.dumps({"css": list(config.extra_css), "js": [str(j) for j in config.extra_javascript]}), "utf-8")
    print(json.dumps(result))


class HookTimer:
    """Time spent in every hook of one plugin: the plugin's whole share of a build."""

    def __init__(self, config: Any, plugin: Any) -> None:
        self.seconds = 0.0
        for name, methods in config.plugins.events.items():
            for index, method in enumerate(methods):
                if getattr(method, "__self__", None) is plugin:
                    methods[index] = self._timed(method)

    def _timed(self, method: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


# The two kinds of edit a contributor makes while previewing (first matching record):
# prose only its own page (and kb.json, the feed) shows, and a field the aggregate
# pages show, which makes the index, dashboard, taxonomy and team pages again.
EDITS: dict[str, tuple[re.Pattern[str], str, str]] = {
    # (where, replacement, what the field must then hold); the summary may be plain or quoted.
    "summary": (re.compile(r"^summary: (['\"]?)", re.M), r"summary: \1Edited by the benchmark. ", "Edited by the benchmark. "),
    "severity": (re.compile(r"^severity: SEV3$", re.M), "severity: SEV2", "SEV2"),
}


def _edited(text: str, name: str) -> str | None:
    """The record with the edit made, or None if it does not apply; an edit that breaks the YAML stops the benchmark."""
    import yaml

    where, replacement, expected = EDITS[name]
    edited, count = where.subn(replacement, text, count=1)
    if not count:
        return None
    field = where.pattern.split(":")[0].lstrip("^")
    value = (yaml.safe_load(edited) or {}).get(field)
    if not isinstance(value, str) or not value.startswith(expected):
        raise SystemExit(f"the {name} edit did not give a valid record: {field} = {value!r}")
    return edited


def rebuild_worker(config_file: Path, repeats: int = 3) -> None:
    """Serve-style: build, then edit one record and build again with the same plugin, `repeats`
    times per edit (each edit and its undoing are both rebuilds of one record); plugin hook time each."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    plugin = config.plugins["lessons"]
    config.plugins.on_startup(command="serve", dirty=False)  # as `mkdocs serve` does: the plugin keeps its caches
    timer = HookTimer(config, plugin)
    start = time.perf_counter()
    build(config)
    result: dict[str, Any] = {"cold": {"wall": time.perf_counter() - start, "plugin_s": timer.seconds}}
    records = sorted((Path(plugin.root) / "incidents").glob("*.yaml"), key=lambda p: p.name)
    def rebuild(check: Callable[[Any], None]) -> dict[str, Any]:
        timer.seconds = 0.0
        start = time.perf_counter()
        build(config)
        wall = time.perf_counter() - start
        # A rebuild that failed (the plugin keeps serving the last good site) would time the wrong thing.
        check(plugin.last_context.kb)
        return {
            "wall": wall,
            "plugin_s": timer.seconds,
            "parsed": plugin.cache.parsed,
            "files": plugin.last_context.memo.get(("reuse", "files"), 0),
            "reused": plugin.last_context.memo.get(("reuse", "reused"), 0),
        }

    def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
        # The plugin's share of a rebuild moves with where Python's cyclic collector
        # happens to run: the median of several rebuilds, each one listed.
        middle = sorted(runs, key=lambda r: r["plugin_s"])[(len(runs) - 1) // 2]
        return {**middle, "plugin_runs_s": [r["plugin_s"] for r in runs], "parsed": max(r["parsed"] for r in runs)}

    for name in EDITS:
        record = next(r for r in records if _edited(r.read_text("utf-8"), name) is not None)
        original = record.read_text("utf-8")
        edited = _edited(original, name) or ""

        def took(kb: Any, name: str = name, stem: str = record.stem) -> None:
            shown = getattr(kb.incidents[stem], name, None)
            if not isinstance(shown, str) or not shown.startswith(EDITS[name][2]):
                raise SystemExit(f"the rebuild after the {name} edit did not take it: {shown!r}")

        runs: list[dict[str, Any]] = []
        for _ in range(repeats):
            record.write_text(edited, "utf-8")
            runs.append(rebuild(took))
            record.write_text(original, "utf-8")
            runs.append(rebuild(lambda kb: None))
        result[name] = summarize(runs)

    # A record added, then removed: a contributor previewing a new review. The copy of
    # the newest record under the next id (the same words: it joins similar lists).
    source = records[-1]
    prefix, number = source.stem.rsplit("-", 1)
    added_id = f"{prefix}-{int(number) + 1:0{len(number)}d}"
    added = source.with_name(f"{added_id}.yaml")
    copy = source.read_text("utf-8").replace(f"id: {source.stem}", f"id: {added_id}", 1)

    def present(kb: Any, wanted: bool) -> None:
        if (added_id in kb.incidents) != wanted:
            raise SystemExit(f"the rebuild after {'adding' if wanted else 'removing'} {added_id} did not take it")

    runs = []
    for _ in range(repeats):
        added.write_text(copy, "utf-8")
        runs.append(rebuild(lambda kb: present(kb, True)))
        added.unlink()
        runs.append(rebuild(lambda kb: present(kb, False)))
    result["added record"] = summarize(runs)
    # Under serve the plugin keeps the last build's files for reuse: its memory cost.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _run_worker(config_file: Path, dump: Path | None = None, mode: str = "--worker", extra: list[str] | None = None) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), mode, str(config_file), *(extra or [])]
    if dump is not None:
        command += ["--dump", str(dump)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _baseline_config(root: Path, dump: Path) -> Path:
    import yaml

    extra = json.loads((dump / "extra.json").read_text("utf-8"))
    config = {
        "site_name": "Benchmark",
        "docs_dir": str(dump / "docs"),
        "site_dir": "site",
        "theme": {"name": "material", "font": False},
        "plugins": ["search"],
        "markdown_extensions": EXTENSIONS,
        "extra_css": extra["css"],
        "extra_javascript": extra["js"],
        "nav": json.loads((dump / "nav.json").read_text("utf-8")),
    }
    path = root / "mkdocs.yml"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


def measure(
    incidents: int, runs: int, pagefind: bool, keep: Path | None, skip_baseline: bool = False, rebuild: bool = True, rebuild_repeats: int = 3
) -> dict[str, Any]:
    from mkdocs_lessons.knowledge import open_knowledge_base

    work = Path(tempfile.mkdtemp(prefix=f"lessons-bench-{incidents}-"))
    try:
        kb = synth.generate(work / "kb", incidents)
        kb_bytes = _tree_size(kb)

        validate = []
        for _ in range(runs):
            start = time.perf_counter()
            outcome = open_knowledge_base(kb)
            validate.append(time.perf_counter() - start)
            assert outcome.ok, [str(d) for d in outcome.diagnostics][:5]
        phases_validate = outcome.loaded.timings.seconds
        del outcome
        # What a contributor waits for: the `lessons validate` command, start to exit.
        validate_cli = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "mkdocs_lessons.cli", "validate", str(kb)], capture_output=True, text=True, check=False)
            validate_cli.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"lessons validate failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")

        # The plugin's builds and the baseline's are interleaved, in turns
        # (plugin, baseline), (baseline, plugin), ...: identical builds on the
        # reference machine differ by up to 20 %, in slow and fast spells, and
        # running all of one kind first put a whole spell on one side.
        builds: list[dict[str, Any]] = []
        baselines: list[dict[str, Any]] = []
        for index in range(runs):
            plugin_config = _config(work / f"plugin{index}", kb, plugin=True)
            order = ["plugin", "baseline"] if index % 2 == 0 else ["baseline", "plugin"]
            for kind in order:
                if kind == "plugin":
                    builds.append(_run_worker(plugin_config, dump=work / "dump" if index == 0 else None))
                elif not skip_baseline:
                    baselines.append(_run_worker(_baseline_config(work / f"baseline{index}", work / "dump")))
        site = work / "plugin0" / "site"
        site_bytes = _tree_size(site)
        search_index = site / "search" / "search_index.json"
        pages = sum(1 for _ in site.rglob("*.html"))

        result: dict[str, Any] = {
            "incidents": incidents,
            "runs": runs,
            "kb_mb": round(kb_bytes / 1e6, 1),
            "pages": pages,
            "validate_s": round(statistics.median(validate), 2),
            "validate_cli_s": round(statistics.median(validate_cli), 2),
            "validate_phases_s": {k: round(v, 2) for k, v in phases_validate.items()},
            "build_s": round(statistics.median(b["wall"] for b in builds), 2),
            "baseline_s": round(statistics.median(b["wall"] for b in baselines), 2) if baselines else None,
            "plugin_phases_s": {k: round(statistics.median(b["phases"].get(k, 0.0) for b in builds), 2) for k in builds[0]["phases"]},
            "peak_rss_mb": round(max(b["peak_rss_mb"] for b in builds)),
            "baseline_peak_rss_mb": round(max(b["peak_rss_mb"] for b in baselines)) if baselines else None,
            "site_mb": round(site_bytes / 1e6, 1),
            "search_index_mb": round(search_index.stat().st_size / 1e6, 2) if search_index.exists() else None,
        }
        result["overhead_ratio"] = round(result["build_s"] / result["baseline_s"], 3) if baselines else None
        # Each turn's own ratio shows the spread the median hides.
        result["overhead_ratio_by_turn"] = [round(b["wall"] / a["wall"], 3) for b, a in zip(builds, baselines)]
        result["build_runs_s"] = [round(b["wall"], 2) for b in builds]
        result["baseline_runs_s"] = [round(a["wall"], 2) for a in baselines]
        # The same ratio in CPU time, which slow spells of a shared host move less.
        result["build_cpu_s"] = round(statistics.median(b["cpu"] for b in builds), 2)
        result["baseline_cpu_s"] = round(statistics.median(a["cpu"] for a in baselines), 2) if baselines else None
        result["overhead_ratio_cpu"] = round(result["build_cpu_s"] / result["baseline_cpu_s"], 3) if baselines else None
        result["overhead_ratio_cpu_by_turn"] = [round(b["cpu"] / a["cpu"], 3) for b, a in zip(builds, baselines)]
        # Time the host gave other guests during each run (both CPUs): a slow spell shows here.
        result["steal_s_by_run"] = {
            "build": [None if b["steal"] is None else round(b["steal"], 1) for b in builds],
            "baseline": [None if a["steal"] is None else round(a["steal"], 1) for a in baselines],
        }
        result["rebuild"] = None
        if rebuild:
            served = _run_worker(_config(work / "serve", kb, plugin=True), mode="--rebuild-worker", extra=["--rebuild-repeats", str(rebuild_repeats)])
            cold = served.pop("cold")
            result["rebuild"] = {
                "serve_peak_rss_mb": round(served.pop("peak_rss_mb")),
                "cold_wall_s": round(cold["wall"], 2),
                "cold_plugin_s": round(cold["plugin_s"], 3),
                **{
                    edit: {
                        "wall_s": round(r["wall"], 2),
                        "plugin_s": round(r["plugin_s"], 3),
                        "plugin_share_of_cold": round(r["plugin_s"] / cold["plugin_s"], 3),
                        "plugin_share_of_cold_build": round(r["plugin_s"] / cold["wall"], 3),
                        "parsed": r["parsed"],
                        "files_reused": f"{r['reused']} of {r['files']}",
                        "plugin_runs_s": [round(t, 3) for t in r["plugin_runs_s"]],
                    }
                    for edit, r in served.items()
                },
            }
        if pagefind:
            project = work / "pagefind"
            built = _run_worker(_config(project, kb, plugin=True, search="pagefind"))
            bundle = project / "site" / "pagefind"
            result["pagefind"] = {
                "build_s": round(built["wall"], 2),
                "index_s": round(built["phases"].get("search index", 0.0), 2),
                "bundle_mb": round(_tree_size(bundle) / 1e6, 2),
                "files": sum(1 for p in bundle.rglob("*") if p.is_file()),
                "peak_rss_mb": round(built["peak_rss_mb"]),
            }
        return result
    finally:
        if keep is not None:
            shutil.copytree(work, keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def markdown_row(r: dict[str, Any]) -> str:
    phases = ", ".join(f"{k} {v}" for k, v in r["plugin_phases_s"].items())
    return (
        f"| {r['incidents']:,} | {r['pages']:,} | {r['validate_cli_s']} | {r['build_s']} | {r['baseline_s']} | "
        f"**{r['overhead_ratio']}** | {phases} | {r['peak_rss_mb']} / {r['baseline_peak_rss_mb']} | {r['site_mb']} | {r['search_index_mb']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark mkdocs-lessons at size.")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pagefind", action="store_true", help="also build with search: pagefind")
    parser.add_argument("--json", type=Path, help="write the result to this file too")
    parser.add_argument("--markdown", action="store_true", help="print a table row for benchmarks/README.md")
    parser.add_argument("--keep", type=Path, help="copy the work folder here (sites, generated pages)")
    parser.add_argument("--skip-baseline", action="store_true", help="no build without the plugin (saves time at large N)")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the serve-style rebuild (saves a build at large N)")
    parser.add_argument("--rebuild-repeats", type=int, default=3, help="rebuilds per edit and its undoing (median reported)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rebuild-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.dump)
        return
    if args.rebuild_worker:
        rebuild_worker(args.rebuild_worker, args.rebuild_repeats)
        return
    result = {"machine": machine(), **measure(args.incidents, args.runs, args.pagefind, args.keep, args.skip_baseline, not args.no_rebuild, args.rebuild_repeats)}
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    print(text)
    if args.markdown:
        print(markdown_row(result))


if __name__ == "__main__":
    main()
