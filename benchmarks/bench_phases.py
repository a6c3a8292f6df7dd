"""How each phase of the plugin grows with the number of records (issue 7: 10x the records, at most 11x the time).

Times the core's phases in this process on synthetic knowledge bases
(`synth.py`) of each size: reading and validating, lints, the link graph and
page generation by phase (`charts`, `pages`, `data`). Each phase is the
median of `--runs` runs, with the cyclic collector paused as the plugin
pauses it, and the growth is the ratio of the largest size to the smallest.
MkDocs is not involved (`bench_build.py` measures whole builds).

    .venv/bin/python benchmarks/bench_phases.py --incidents 1000 10000 --runs 3
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

from mkdocs_lessons.knowledge import open_knowledge_base  # noqa: E402
from mkdocs_lessons.checks.lints import LintConfig, lint  # noqa: E402
from mkdocs_lessons.pages.site import generate, make_context  # noqa: E402

TODAY = date(2026, 11, 27)  # synth.generate's default "today": the records' dates lean on it


def phases(kb: Path, runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(seconds)

    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            outcome = open_knowledge_base(kb)
            add("read and validate", time.perf_counter() - start)
            assert outcome.kb is not None, [str(d) for d in outcome.diagnostics][:5]
            for name, seconds in outcome.loaded.timings.seconds.items():
                add(name, seconds)
            start = time.perf_counter()
            lint(outcome.kb, LintConfig())
            add("lint", time.perf_counter() - start)
            ctx = make_context(outcome.kb, today=TODAY)
            start = time.perf_counter()
            generate(ctx)
            add("generate", time.perf_counter() - start)
            for name, seconds in ctx.timings.seconds.items():
                add(name, seconds)
            del ctx, outcome
        finally:
            gc.enable()
    return {name: round(statistics.median(values), 3) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="Growth of each plugin phase with the number of records.")
    parser.add_argument("--incidents", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(args.incidents)
    result: dict[str, Any] = {"runs": args.runs, "seconds": {}}
    with tempfile.TemporaryDirectory(prefix="lessons-phases-") as work:
        for size in sizes:
            kb = synth.generate(Path(work) / f"kb{size}", size)
            result["seconds"][size] = phases(kb, args.runs)
    smallest, largest = result["seconds"][sizes[0]], result["seconds"][sizes[-1]]
    result["growth"] = {name: round(largest[name] / smallest[name], 1) for name in smallest if smallest[name] > 0 and name in largest}
    result["records_ratio"] = sizes[-1] / sizes[0]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
