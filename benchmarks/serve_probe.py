"""One `mkdocs serve` rebuild after one edit, in this process, by phase: where a save's wait goes.

    .venv/bin/python benchmarks/serve_probe.py --incidents 10000 [--change edit|add|remove] [--field summary] [--edits 2] [--kb DIR]

Builds a synthetic site (synth.py) once as `mkdocs serve` builds it (the
plugin started for `serve`), then, `--edits` times, makes one change and
every other time undoes it: with `--change edit` (the default) one
incident's `--field` (title or summary) is edited; with `add` a copy of the
newest published incident is added under the next free id with a new title,
with `remove` an incident no other record names is deleted (as
serve_latency.py's `add` and `remove`). After each it rebuilds as
serve does after a save (serve_cache.in_place, as tests/conftest.py's
`serve_rebuild`), and prints per rebuild:

- `wall`: the whole rebuild; `cpu`: this process's CPU time meanwhile;
- the plugin's phases (load, lint, link, charts, pages, data: plugin.timings);
- `keys`: ServeCache.start (every generated page's key hashed);
- `populate` / `build_pages`: MkDocs reading and rendering the pages it
  counts as modified / templating and writing them (`_populate_page`,
  `_build_page`), with how many it did (`built`);
- `static`: MkDocs copying the other files (kb.json and the like);
- `post_build`: the `post_build` event (search index, Pagefind);
- how many generated files the plugin rendered and kept (`renders` and
  `kept`: render/reads.py), how many kept ones it judged read by read
  (`judged`: the others read nothing that moved, render/read_index.py), which
  analysis products it made again (`products_made`: the others were kept,
  analysis/kept_products.py), the rows of lists made again and kept within
  the renders made again (`rows_made`, `rows_kept`: render/kept_rows.py),
  and MkDocs' pages built and kept
  (serve_cache.py);
- `gc`: seconds in the cyclic collector's full (generation 2) collections;
- `peak_rss_mb`: this process's peak memory so far;
- `/proc/loadavg` before the rebuild: the machine is shared.

Between rebuilds it waits `--pause` seconds, as a person reading the page
does: the plugin's full garbage collection runs then (adapter/serve_collector.py).

Not a benchmark: `serve_latency.py` times a real server over HTTP. This is
the probe that says which part of a rebuild to work on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import serve_latency  # noqa: E402
import sites  # noqa: E402
import synth  # noqa: E402


def _timed(owner: Any, name: str, into: dict[str, float], label: str, counts: dict[str, int]) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into[label] += time.perf_counter() - start
            counts[label] += 1

    setattr(owner, name, wrapper)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--change", choices=("edit", "add", "remove"), default="edit", help="what each odd save does (each even one undoes it)")
    parser.add_argument("--field", choices=("title", "summary"), default="summary", help="the field `--change edit` edits")
    parser.add_argument("--edits", type=int, default=2)
    parser.add_argument("--kb", type=Path, help="a folder to keep the synthetic knowledge base in (made if missing)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/serve-probe"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", type=Path, help="cProfile the last rebuild into this file (pstats)")
    parser.add_argument("--pause", type=float, default=4.0, help="seconds between rebuilds, as a person reads the page (the plugin collects garbage then)")
    args = parser.parse_args()

    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    from mkdocs.commands import build as build_module
    from mkdocs.commands import serve as serve_command
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    from mkdocs_lessons.adapter import serve_cache
    from mkdocs_lessons.render.reads import KeptRenders

    kb, config_file = sites.synthetic_plugin_site(args.work, args.incidents, args.kb)

    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    _timed(build_module, "_populate_page", seconds, "populate", counts)
    _timed(build_module, "_build_page", seconds, "build_pages", counts)
    _timed(serve_cache.ServeCache, "start", seconds, "keys", counts)
    _timed(Files, "copy_static_files", seconds, "static", counts)
    built = {"n": 0}
    real_build_page = build_module._build_page

    def counting_build_page(page: Any, config: Any, doc_files: Any, nav: Any, env: Any, dirty: bool = False, excluded: bool = False) -> Any:
        if not dirty or page.file.is_modified():
            built["n"] += 1
        return real_build_page(page, config, doc_files, nav, env, dirty, excluded)

    build_module._build_page = counting_build_page
    import gc

    collecting = {"start": 0.0}

    def on_collect(phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            collecting["start"] = time.perf_counter()
        else:
            seconds["gc"] += time.perf_counter() - collecting["start"]
            counts["gc"] += 1

    gc.callbacks.append(on_collect)

    def post_build_timer(run_event: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, name: str, *a: Any, **k: Any) -> Any:
            start = time.perf_counter()
            try:
                return run_event(self, name, *a, **k)
            finally:
                if name in ("post_build", "files", "nav", "env", "pre_build"):
                    seconds[f"event {name}"] += time.perf_counter() - start

        return run

    from mkdocs.plugins import PluginCollection

    PluginCollection.run_event = post_build_timer(PluginCollection.run_event)  # type: ignore[method-assign]

    config = load_config(str(config_file))
    config.plugins.on_startup(command="serve", dirty=False)
    results: list[dict[str, Any]] = []
    try:
        start = time.perf_counter()
        build_module.build(config)
        print(f"first build: {time.perf_counter() - start:.1f} s", flush=True)
        incidents = sorted((kb / "incidents").glob("*.yaml"))
        published = serve_latency._published(incidents)
        if args.change == "edit":
            record = incidents[len(incidents) // 2]
        elif args.change == "add":
            record = kb / "incidents" / f"{serve_latency._next_id(incidents)}.yaml"
            source = published[-1]  # the newest: its copy shares its words, as a real new review would
            copy = source.read_text("utf-8").replace(f"id: {source.stem}", f"id: {record.stem}", 1)
        else:
            record = serve_latency._unreferenced(published, kb, avoid=set())
        original = record.read_text("utf-8") if record.exists() else None
        label = args.field if args.change == "edit" else args.change
        for edit in range(args.edits):
            time.sleep(args.pause)
            if args.change == "edit":
                assert original is not None
                if edit % 2 == 0:
                    pattern = re.compile(rf"^{args.field}: (.*)$", re.M)
                    text, done = pattern.subn(lambda m: f"{args.field}: {m.group(1).rstrip()} Probe edit {edit}.", original, count=1)
                    assert done, f"no one-line {args.field} in {record}"
                else:
                    text = original
                record.write_text(text, "utf-8")
            elif (args.change == "add") == (edit % 2 == 0):
                record.write_text(original if original is not None else serve_latency._retitled(copy, f"Probe added {edit}"), "utf-8")
            else:
                record.unlink()
            seconds.clear()
            counts.clear()
            built["n"] = 0
            load = Path("/proc/loadavg").read_text().split()[:3]
            config = load_config(str(config_file))
            cpu, start = _cpu(), time.perf_counter()
            # As serve.py's builder does: it looks `build` up in its module when it runs (conftest.serve_rebuild).
            rebuild = serve_cache.in_place(lambda: serve_command.build(config, serve_url=None, dirty=False))
            if args.profile and edit == args.edits - 1:
                import cProfile

                cProfile.runctx("rebuild()", globals(), {"rebuild": rebuild}, str(args.profile))
            else:
                rebuild()
            wall, cpu = time.perf_counter() - start, _cpu() - cpu
            plugin = config.plugins["lessons"]
            kept = plugin.carry.get("renders")
            row: dict[str, Any] = {
                "edit": f"{record.stem} {label} {'undo' if edit % 2 else 'edit'}",
                "loadavg": " ".join(load),
                "wall": round(wall, 2),
                "cpu": round(cpu, 2),
                **{name: round(value, 2) for name, value in sorted(plugin.timings.seconds.items())},
                **{name: round(value, 2) for name, value in sorted(seconds.items())},
                "renders": getattr(kept, "rendered", None) if isinstance(kept, KeptRenders) else None,
                "kept": getattr(kept, "reused", None) if isinstance(kept, KeptRenders) else None,
                "judged": getattr(kept, "judged", None) if isinstance(kept, KeptRenders) else None,
                "products_made": getattr(plugin.carry.get("products"), "made", None),
                # Rows of long lists made again and kept within the renders made again (render/kept_rows.py).
                "rows_made": getattr(plugin.carry.get("rows"), "made", None),
                "rows_kept": getattr(plugin.carry.get("rows"), "reused", None),
                "mkdocs_built": built["n"],
                "mkdocs_kept": plugin.serve_cache.reused,
                "generated_pages": plugin.serve_cache.checked,
                "rendered_keys": [" ".join(map(str, key)) for key in getattr(kept, "rendered_keys", [])][:40],
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
            results.append(row)
            print(json.dumps(row), flush=True)
    finally:
        record_text = locals().get("original")
        if record_text is not None:
            record.write_text(record_text, "utf-8")
        elif "record" in locals() and record.exists():  # an added copy
            record.unlink()
        config.plugins.on_shutdown()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    main()
