"""Memory over many `mkdocs serve` saves, in this process: does it grow, and how long do collections hold the lock?

    .venv/bin/python benchmarks/serve_memory.py --incidents 1000 [--rounds 4] [--pause 4] [--cycles] [--json FILE]

Builds a synthetic site (synth.py) as `mkdocs serve` builds it (the plugin
started for `serve`, with its own garbage collector policy,
adapter/serve_collector.py), then saves `--rounds` times a round of nine
changes of different kinds, each followed by a rebuild as serve makes it
(serve_cache.in_place, as serve_probe.py):

    title edit, lessons edit, both undone (one incident); an incident added,
    removed again; an incident no record names removed, written back;
    summary edit, undone (another incident)

so the records are as at the start after every round. Between saves it
waits `--pause` seconds (and for the plugin's waiting collection to end),
as a person reading the page does. After each save it prints:

- `rss_mb`: this process's resident memory (VmRSS) once the collection ran;
- `objects`: objects the cyclic collector tracks, frozen (`gc.freeze`) or not;
- `frozen`: of which frozen;
- `rebuild`: seconds of the rebuild;
- `gc`: each collection since the last save, as generation:seconds:objects freed.

At the end: the growth of RSS and objects from the end of the first round
to the end of the last (same records, so a leak shows as growth), the
longest collection, and the cyclic garbage among frozen objects (a leak no
collection frees while they stay frozen): everything is unfrozen and
collected once with `gc.DEBUG_SAVEALL`, and what it found is counted.

`--cycles` is the diagnosis mode: after each rebuild the plugin's waiting
collection is cancelled and one is made with `gc.DEBUG_SAVEALL`; the
reference cycles among what it found are listed by the types in each (the
strongly connected components of the garbage), which names where a
rebuild's cycles are made. Not a latency benchmark (serve_latency.py is).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import serve_latency  # noqa: E402
import sites  # noqa: E402
import synth  # noqa: E402


def status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS: resident now; VmHWM: its peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def type_name(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def components(objects: list[Any]) -> list[list[int]]:
    """The reference cycles among `objects`: their strongly connected components (Tarjan), as lists of indexes."""
    ids = {id(o): i for i, o in enumerate(objects)}
    edges = [[ids[id(r)] for r in gc.get_referents(o) if id(r) in ids] for o in objects]
    index: list[Any] = [None] * len(objects)
    low = [0] * len(objects)
    on_stack = [False] * len(objects)
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in range(len(objects)):
        if index[root] is not None:
            continue
        work = [(root, 0)]
        while work:
            node, at = work.pop()
            if at == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            for position in range(at, len(edges[node])):
                other = edges[node][position]
                if index[other] is None:
                    work.append((node, position + 1))
                    work.append((other, 0))
                    break
                if on_stack[other]:
                    low[node] = min(low[node], index[other])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack[member] = False
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges[node]:
                        found.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def cycles(objects: list[Any]) -> Counter[str]:
    """The reference cycles among `objects`, counted by the types in each (the six most frequent)."""
    found: Counter[str] = Counter()
    for component in components(objects):
        kinds = Counter(type(objects[i]).__qualname__ for i in component)
        found[" + ".join(f"{n} {k}" for k, n in kinds.most_common(6))] += 1
    return found


def collected_garbage() -> list[Any]:
    """What one collection (of what is not frozen) finds, kept with DEBUG_SAVEALL; freed once the list goes and the
    next collection runs."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
    finally:
        gc.set_debug(0)
    garbage = list(gc.garbage)
    gc.garbage.clear()
    return garbage


def saved_garbage(frozen_too: bool) -> tuple[int, Counter[str], Counter[str]]:
    """One collection with DEBUG_SAVEALL (of every object if `frozen_too`): how many it found, by type and cycle."""
    if frozen_too:
        gc.unfreeze()
    garbage = collected_garbage()
    by_type = Counter(type_name(o) for o in garbage)
    by_cycle = cycles(garbage)
    count = len(garbage)
    del garbage
    gc.collect()  # now freed for real
    return count, by_type, by_cycle


def changes(kb: Path) -> tuple[list[tuple[str, Callable[[], None]]], list[tuple[Path, str]], Path]:
    """One round of saves, the files it changes with their texts, and the record it adds.

    The records are as before the round once all its saves have run.
    """
    incidents = sorted((kb / "incidents").glob("*.yaml"))
    published = serve_latency._published(incidents)
    edited, other = published[len(published) // 2], published[len(published) // 3]
    edited_text, other_text = edited.read_text("utf-8"), other.read_text("utf-8")
    added = kb / "incidents" / f"{serve_latency._next_id(incidents)}.yaml"
    source = published[-1]
    added_text = serve_latency._retitled(
        source.read_text("utf-8").replace(f"id: {source.stem}", f"id: {added.stem}", 1), "Added by serve_memory"
    )
    removed = serve_latency._unreferenced(published, kb, avoid={edited, other})
    removed_text = removed.read_text("utf-8")
    retitled = serve_latency._retitled(edited_text, "Retitled by serve_memory")
    lessons, done = re.subn(r"^(lessons:\n- )", r"\1Lesson edited by serve_memory. ", retitled, count=1, flags=re.M)
    assert done, f"no `lessons:` list in {edited}"
    summary, done = re.subn(
        r"^summary: '", "summary: 'Summary edited by serve_memory. ", other_text, count=1, flags=re.M
    )
    assert done, f"no one-quoted summary in {other}"

    def write(path: Path, text: str) -> Callable[[], None]:
        return lambda: path.write_text(text, "utf-8")

    return (
        [
            ("title", write(edited, retitled)),
            ("lessons", write(edited, lessons)),
            ("undo title+lessons", write(edited, edited_text)),
            ("add", write(added, added_text)),
            ("remove added", added.unlink),
            ("remove", removed.unlink),
            ("write back", write(removed, removed_text)),
            ("summary", write(other, summary)),
            ("undo summary", write(other, other_text)),
        ],
        [(edited, edited_text), (other, other_text), (removed, removed_text)],
        added,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4, help="rounds of nine saves")
    parser.add_argument("--pause", type=float, default=4.0, help="seconds between saves (the plugin collects then)")
    parser.add_argument("--cycles", action="store_true", help="list the reference cycles each rebuild leaves")
    parser.add_argument("--work", type=Path, default=Path("/tmp/serve-memory"))
    parser.add_argument("--kb", type=Path, help="a folder to keep the synthetic knowledge base in (made if missing)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    from mkdocs.commands import build as build_module
    from mkdocs.commands import serve as serve_command
    from mkdocs.config import load_config

    from mkdocs_lessons.adapter import serve_cache

    kb, config_file = sites.synthetic_plugin_site(args.work, args.incidents, args.kb)

    collections: list[str] = []
    started: dict[int, float] = {}
    lock = threading.Lock()

    def on_collect(phase: str, info: dict[str, Any]) -> None:
        generation = info.get("generation", -1)
        if phase == "start":
            started[generation] = time.perf_counter()
        elif generation >= 1:  # the young generation's are many and short
            with lock:
                took = time.perf_counter() - started.get(generation, time.perf_counter())
                collections.append(f"{generation}:{took:.3f}:{info.get('collected', 0)}")

    config = load_config(str(config_file))
    config.plugins.on_startup(command="serve", dirty=False)
    plugin = config.plugins["lessons"]

    def settle() -> None:
        """The pause a reader makes, and the plugin's waiting collection (if any) over."""
        time.sleep(args.pause)
        timer = getattr(plugin.collector, "_timer", None)
        if isinstance(timer, threading.Thread):
            timer.join()

    rows: list[dict[str, Any]] = []
    steps, originals, added = changes(kb)
    gc.callbacks.append(on_collect)
    try:
        start = time.perf_counter()
        build_module.build(config)
        print(f"first build: {time.perf_counter() - start:.1f} s", flush=True)
        settle()
        for number in range(args.rounds * len(steps)):
            name, change = steps[number % len(steps)]
            change()
            load = Path("/proc/loadavg").read_text().split()[:3]
            config = load_config(str(config_file))
            with lock:
                collections.clear()
            start = time.perf_counter()
            serve_cache.in_place(lambda: serve_command.build(config, serve_url=None, dirty=False))()
            rebuild = time.perf_counter() - start
            plugin = config.plugins["lessons"]
            row: dict[str, Any] = {
                "save": number + 1,
                "change": name,
                "loadavg": " ".join(load),
                "rebuild": round(rebuild, 2),
            }
            if args.cycles:
                if plugin.collector is not None:
                    plugin.collector._cancel()
                count, _, by_cycle = saved_garbage(frozen_too=False)
                row["cyclic_garbage"] = count
                row["cycles"] = dict(by_cycle.most_common(8))
            else:
                settle()
            with lock:
                row["gc"] = list(collections)
            row["objects"] = len(gc.get_objects()) + gc.get_freeze_count()
            row["frozen"] = gc.get_freeze_count()
            row["rss_mb"] = round(status_mb("VmRSS"), 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        for path, text in originals:
            path.write_text(text, "utf-8")
        if added.exists():
            added.unlink()
        gc.callbacks.remove(on_collect)
    count, by_type, by_cycle = saved_garbage(frozen_too=True)
    config.plugins.on_shutdown()
    per_round = len(steps)
    first, last = rows[per_round - 1], rows[-1]
    longest = (
        max((float(c.split(":")[1]), c) for row in rows for c in row["gc"]) if any(r["gc"] for r in rows) else (0.0, "")
    )
    summary = {
        "incidents": args.incidents,
        "saves": len(rows),
        "rss_mb_after_round_1": first["rss_mb"],
        "rss_mb_at_end": last["rss_mb"],
        "rss_mb_growth_per_round": round((last["rss_mb"] - first["rss_mb"]) / max(1, args.rounds - 1), 1),
        "objects_after_round_1": first["objects"],
        "objects_at_end": last["objects"],
        "longest_collection_s": longest[0],
        "frozen_cyclic_garbage_at_end": count,
        "frozen_cyclic_garbage_types": dict(by_type.most_common(12)),
        "frozen_cycles": dict(by_cycle.most_common(8)),
        "peak_rss_mb": round(status_mb("VmHWM")),
    }
    print(json.dumps(summary, indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"saves": rows, "summary": summary}, indent=1), "utf-8")


if __name__ == "__main__":
    main()
