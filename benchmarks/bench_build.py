"""Measure what a user of the plugin waits for, against what MkDocs needs anyway.

    python benchmarks/bench_build.py --incidents 1000 --runs 3 --markdown
    python benchmarks/bench_build.py --incidents 10000 --runs 1 --serve-repeats 1 --markdown

For N incidents it generates a synthetic knowledge base (synth.py, fixed
seed), then measures:

- `lessons validate`, the command (start to exit) and its work in-process;
- the whole site: `mkdocs build` with the plugin, a fresh process each run;
- the floor (floor.py): MkDocs + Material building only the incidents, as
  plain Markdown pages out of the navigation, same theme, extensions and
  search, no plugin. The two builds take turns (plugin, floor; floor,
  plugin; ...); `ratio` = median build / median floor, with each turn's
  ratio, CPU times, peak RSS, site and search-index sizes, the heaviest page;
- save to visible (serve_latency.py, not with --no-serve): a real
  `mkdocs serve`, an incident's title edited, a record added, a record
  removed, each timed from the write to its page showing it over HTTP;
- with --pagefind: a build with `search: pagefind` and its bundle.

Results: JSON on stdout (and --json FILE); --markdown prints a table row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sites  # noqa: E402

sys.path.insert(0, str(sites.PLUGINS))  # this checkout's plugin, whatever else is installed
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

import floor  # noqa: E402
import synth  # noqa: E402
from serve_latency import measure_serve  # noqa: E402

SERVE_KINDS = ("edit", "add", "remove")


def _median(values: list[float], digits: int = 2) -> float:
    return round(statistics.median(values), digits)


def _validate(kb: Path, runs: int) -> dict[str, Any]:
    from mkdocs_lessons.knowledge import open_knowledge_base

    inside = []
    for _ in range(runs):
        start = time.perf_counter()
        outcome = open_knowledge_base(kb)
        inside.append(time.perf_counter() - start)
        assert outcome.ok, [str(d) for d in outcome.diagnostics][:5]
    phases = outcome.loaded.timings.seconds
    del outcome
    # What a contributor waits for: the `lessons validate` command, start to exit.
    command = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs_lessons.cli", "validate", str(kb)], capture_output=True, text=True, check=False, env=sites.child_env()
        )
        command.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"lessons validate failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return {"validate_s": _median(inside), "validate_cli_s": _median(command), "validate_phases_s": {k: round(v, 2) for k, v in phases.items()}}


def _builds(work: Path, kb: Path, floor_config: Path, runs: int) -> dict[str, Any]:
    """The plugin's builds and the floor's, taking turns; sizes from the last site of each."""
    phases_file = work / "phases.json"
    plugin_config = sites.plugin_config(work / "plugin", kb, phases_file=phases_file)
    env = sites.child_env()
    env["LESSONS_BENCH_PHASES"] = str(phases_file)
    builds: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    phases: list[dict[str, float]] = []
    # Identical builds on a shared machine differ by up to 20 %, in slow and fast
    # spells: turns (plugin, floor), (floor, plugin), ... keep a spell off one side.
    for index in range(runs):
        for kind in ("plugin", "floor") if index % 2 == 0 else ("floor", "plugin"):
            config = plugin_config if kind == "plugin" else floor_config
            shutil.rmtree(config.parent / "site", ignore_errors=True)  # every build starts without a site
            if kind == "plugin":
                phases_file.unlink(missing_ok=True)
                builds.append(sites.run_build(config, work / f"plugin-{index}.log", env))
                phases.append(json.loads(phases_file.read_text("utf-8")))
            else:
                floors.append(sites.run_build(config, work / f"floor-{index}.log"))
    plugin_site = sites.site_stats(plugin_config.parent / "site")
    floor_site = sites.site_stats(floor_config.parent / "site")
    wall = [b["wall"] for b in builds]
    floor_wall = [f["wall"] for f in floors]
    cpu = [b["cpu"] for b in builds]
    floor_cpu = [f["cpu"] for f in floors]
    result: dict[str, Any] = {
        "pages": plugin_site["pages"],
        "build_s": _median(wall),
        "floor_s": _median(floor_wall),
        "ratio": round(statistics.median(wall) / statistics.median(floor_wall), 3),
        # Each turn's own ratio shows the spread the medians hide.
        "ratio_by_turn": [round(b / f, 3) for b, f in zip(wall, floor_wall)],
        "build_runs_s": [round(t, 2) for t in wall],
        "floor_runs_s": [round(t, 2) for t in floor_wall],
        # CPU time, which slow spells of a shared host move less than wall time.
        "build_cpu_s": _median(cpu),
        "floor_cpu_s": _median(floor_cpu),
        "ratio_cpu": round(statistics.median(cpu) / statistics.median(floor_cpu), 3),
        "ratio_cpu_by_turn": [round(b / f, 3) for b, f in zip(cpu, floor_cpu)],
        # Time the host gave other guests during each build (all CPUs): a slow spell shows here.
        "steal_s_by_run": {
            "build": [None if b["steal"] is None else round(b["steal"], 1) for b in builds],
            "floor": [None if f["steal"] is None else round(f["steal"], 1) for f in floors],
        },
        "plugin_phases_s": {k: _median([p.get(k, 0.0) for p in phases]) for k in phases[0]},
        "peak_rss_mb": round(max(b["peak_rss_mb"] for b in builds)),
        "floor_peak_rss_mb": round(max(f["peak_rss_mb"] for f in floors)),
        # Every process of the build together (a forked copy, Pagefind), proportional: shared memory counts once.
        "peak_memory_mb": _peak([b["peak_pss_mb"] for b in builds]),
        "floor_peak_memory_mb": _peak([f["peak_pss_mb"] for f in floors]),
        "site_mb": plugin_site["site_mb"],
        "search_index_mb": plugin_site["search_index_mb"],
        "heaviest_page": plugin_site["heaviest_page"],
        "pages_over_1mb": plugin_site["pages_over_1mb"],
        "floor_site": floor_site,
    }
    return result


def _pagefind(work: Path, kb: Path) -> dict[str, Any]:
    phases_file = work / "pagefind-phases.json"
    config = sites.plugin_config(work / "pagefind", kb, search="pagefind", phases_file=phases_file)
    env = sites.child_env()
    env["LESSONS_BENCH_PHASES"] = str(phases_file)
    built = sites.run_build(config, work / "pagefind.log", env)
    phases = json.loads(phases_file.read_text("utf-8"))
    bundle = config.parent / "site" / "pagefind"
    return {
        "build_s": round(built["wall"], 2),
        "index_s": round(phases.get("search index", 0.0), 2),
        "bundle_mb": round(sites.tree_size(bundle) / sites.ONE_MB, 2),
        "files": sum(1 for p in bundle.rglob("*") if p.is_file()),
        "peak_rss_mb": round(built["peak_rss_mb"]),
        "peak_memory_mb": _peak([built["peak_pss_mb"]]),
    }


def _peak(samples: list[Any]) -> Any:
    """The largest of the sampled peaks, or None where memory could not be sampled."""
    known = [s for s in samples if s is not None]
    return round(max(known)) if known else None


def measure(
    incidents: int,
    runs: int,
    *,
    pagefind: bool = False,
    serve: bool = True,
    serve_repeats: int = 3,
    serve_timeout: float = 300.0,
    serve_search: str = "material",
    keep: Path | None = None,
) -> dict[str, Any]:
    import mkdocs_lessons

    work = Path(tempfile.mkdtemp(prefix=f"lessons-bench-{incidents}-"))
    try:
        kb = synth.generate(work / "kb", incidents)
        sites.compile_plugin()
        floor_config = floor.write_floor(kb, work / "floor")
        result: dict[str, Any] = {
            "plugin_path": str(Path(mkdocs_lessons.__file__).resolve().parent),
            "incidents": incidents,
            "runs": runs,
            "kb_mb": round(sites.tree_size(kb) / sites.ONE_MB, 1),
            **_validate(kb, runs),
            **_builds(work, kb, floor_config, runs),
        }
        serve_config = sites.plugin_config(work / "serve", kb, search=serve_search)
        result["serve"] = measure_serve(serve_config, kb, work, serve_repeats, serve_timeout) if serve else None
        if result["serve"] is not None:
            result["serve"]["search"] = serve_search
        if pagefind:
            result["pagefind"] = _pagefind(work, kb)
        return result
    finally:
        if keep is not None:
            shutil.copytree(work, keep, dirs_exist_ok=True, ignore=shutil.ignore_patterns("serve-tmp"))
        shutil.rmtree(work, ignore_errors=True)


def machine() -> dict[str, Any]:
    import markdown
    import material
    import mkdocs

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "mkdocs": mkdocs.__version__,
        "material": getattr(material, "__version__", None),
        "markdown": markdown.__version__,
    }


MARKDOWN_HEADER = (
    "| incidents | HTML pages | `lessons validate` (s) | build (s) | floor (s) | ratio | heaviest page | pages > 1 MB "
    "| edit / add / remove visible (s) | peak RSS plugin / floor (MB) | site (MB) | search index (MB) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def markdown_row(r: dict[str, Any]) -> str:
    runs = f" (median of {r['runs']})" if r["runs"] > 1 else ""
    heaviest = f"`{r['heaviest_page']['path']}` {r['heaviest_page']['bytes'] / sites.ONE_MB:.2f} MB"
    serve = r.get("serve")
    visible = " / ".join(str(serve[kind]["visible_s"]) for kind in SERVE_KINDS) if serve else "–"
    return (
        f"| {r['incidents']:,}{runs} | {r['pages']:,} | {r['validate_cli_s']} | {r['build_s']} | {r['floor_s']} | **{r['ratio']}** "
        f"| {heaviest} | {r['pages_over_1mb']} | {visible} | {r['peak_rss_mb']:,} / {r['floor_peak_rss_mb']:,} "
        f"| {r['site_mb']} | {r['search_index_mb']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark mkdocs-lessons at size against the MkDocs floor.")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="builds of each kind, taking turns (medians reported)")
    parser.add_argument("--pagefind", action="store_true", help="also build with search: pagefind")
    parser.add_argument("--no-serve", action="store_true", help="skip the save-to-visible measurement under mkdocs serve")
    parser.add_argument("--serve-repeats", type=int, default=3, help="times each serve change (edit, add, remove) is made and undone")
    parser.add_argument("--serve-timeout", type=float, default=300.0, help="seconds a serve change may take to show before the benchmark fails")
    parser.add_argument("--json", type=Path, help="write the result to this file too")
    parser.add_argument(
        "--serve-search",
        choices=("material", "pagefind"),
        default="material",
        help="the search the served site uses (material: as the build measured above; pagefind: the plugin's default)",
    )
    parser.add_argument("--markdown", action="store_true", help="print a table row for benchmarks/README.md")
    parser.add_argument("--keep", type=Path, help="copy the work folder here (knowledge base, floor pages, sites, logs)")
    args = parser.parse_args()
    if args.runs < 1 or args.serve_repeats < 1:
        parser.error("--runs and --serve-repeats must be 1 or more")
    measured = measure(
        args.incidents,
        args.runs,
        pagefind=args.pagefind,
        serve=not args.no_serve,
        serve_repeats=args.serve_repeats,
        serve_timeout=args.serve_timeout,
        serve_search=args.serve_search,
        keep=args.keep,
    )
    result = {"machine": machine(), **measured}
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    print(text)
    if args.markdown:
        print(MARKDOWN_HEADER)
        print(markdown_row(result))


if __name__ == "__main__":
    main()
