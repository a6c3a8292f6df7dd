"""Where a save's wait goes in a real `mkdocs serve`: timestamps from the write to the first HTTP answer.

    .venv/bin/python benchmarks/serve_trace.py --kb DIR [--edits 4] [--pause 4] [--json FILE]

Starts a real `mkdocs serve` on the plugin's site for the knowledge base in
`--kb` (sites.plugin_config, as serve_latency.py), in a process of its own,
but through this file's `serve` mode: MkDocs' own command run with a few
timestamps added from outside the plugin (no page hooks: none is added),
written as JSON lines to the file LESSONS_SERVE_TRACE names:

- `event`: watchdog hands a file event to MkDocs' callback (the watcher saw it);
- `config` start and end: `serve`'s builder loads mkdocs.yml again (every rebuild does);
- `build` start and end: `mkdocs.commands.serve.build`, with the plugin's phases;
- `poll`: the seconds of thread CPU the watcher's snapshots and comparisons took,
  summed between builds (`PollingObserver`: every watched file stat-ed every 0.5 s);
- `collect`: a full garbage collection (adapter/serve_collector.py runs one after
  each build), its start and length: a save made during it waits for it.

The driver edits one incident's title (`--edits` times, each other one undoing
it), timing each from the write to the first answer over HTTP that shows it,
and prints, per edit, the time from the write to each mark. Between edits it
waits `--pause` seconds and reads the server's CPU time, so the idle cost of
the watcher shows too (`idle_cpu_per_s`).

Not a benchmark result by itself: serve_latency.py times the real server
without these patches. This says which part of the wait to work on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TRACE_ENV = "LESSONS_SERVE_TRACE"


# -- inside the server: MkDocs' serve command with timestamps ------------------------


def _serve(argv: list[str]) -> None:
    """`mkdocs serve` (argv as its command line) with the marks above written to LESSONS_SERVE_TRACE."""
    import watchdog.events
    import watchdog.observers.polling as polling
    from mkdocs.commands import serve as serve_command

    out = open(os.environ[TRACE_ENV], "a", encoding="utf-8", buffering=1)
    lock = threading.Lock()
    poll = {"cpu": 0.0, "n": 0}

    def mark(what: str, **more: Any) -> None:
        with lock:
            out.write(json.dumps({"t": time.time(), "what": what, **more}) + "\n")

    dispatch = watchdog.events.FileSystemEventHandler.dispatch

    def traced_dispatch(self: Any, event: Any) -> None:
        if not event.is_directory:
            mark("event", kind=event.event_type, path=os.path.basename(event.src_path))
        dispatch(self, event)

    watchdog.events.FileSystemEventHandler.dispatch = traced_dispatch  # type: ignore[method-assign]

    def counted(make: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return make(*args, **kwargs)
            finally:
                with lock:
                    poll["cpu"] += time.thread_time() - start
                    poll["n"] += 1

        return wrapper

    polling.DirectorySnapshot = counted(polling.DirectorySnapshot)  # type: ignore[misc]
    polling.DirectorySnapshotDiff = counted(polling.DirectorySnapshotDiff)  # type: ignore[misc]

    load_config = serve_command.load_config

    def traced_load_config(*args: Any, **kwargs: Any) -> Any:
        mark("config start")
        try:
            return load_config(*args, **kwargs)
        finally:
            mark("config end")

    serve_command.load_config = traced_load_config  # type: ignore[assignment]

    build = serve_command.build

    def traced_build(config: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            spent, polls = poll["cpu"], poll["n"]
            poll["cpu"], poll["n"] = 0.0, 0
        mark("poll", cpu=round(spent, 3), n=polls)
        mark("build start", cpu=time.process_time())
        try:
            return build(config, *args, **kwargs)
        finally:
            plugin = config.plugins.get("lessons")
            phases = {k: round(v, 3) for k, v in plugin.timings.seconds.items()} if plugin is not None else {}
            with lock:
                during, during_n = poll["cpu"], poll["n"]
            mark("build end", cpu=time.process_time(), phases=phases, poll_cpu=round(during, 3), polls=during_n)

    serve_command.build = traced_build  # type: ignore[assignment]

    import gc

    collect = gc.collect

    def traced_collect(*args: Any) -> int:
        # serve_collector.py's timer looks gc.collect up when a build ends: its full collections are timed here.
        start, found = time.time(), -1
        try:
            found = collect(*args)
            return found
        finally:
            # `found`: the unreachable objects it freed (what the collection bought for its time).
            mark(
                "collect",
                start=start,
                seconds=round(time.time() - start, 3),
                generation=args[0] if args else 2,
                found=found,
            )

    gc.collect = traced_collect

    from mkdocs.__main__ import cli

    cli(["serve", *argv], prog_name="mkdocs")


# -- the driver ------------------------------------------------------------------------


def _timeline(trace: Path, since: float, write: float, shown: float) -> dict[str, Any]:
    """The marks after `since`, as seconds after the write."""
    row: dict[str, Any] = {"visible": round(shown - write, 3)}
    for line in trace.read_text("utf-8").splitlines():
        mark = json.loads(line)
        if mark["t"] < since:
            continue
        name = mark["what"]
        if name == "event" and "event" not in row:
            row["event"] = round(mark["t"] - write, 3)
        elif name == "collect":  # the last one before the change was seen, if it ran past the write
            seen = write + row["event"] if "event" in row else mark["t"]
            if mark["start"] + mark["seconds"] > write and mark["start"] < seen:
                row["collect started"] = round(mark["start"] - write, 3)
                row["collect seconds"] = mark["seconds"]
        elif name in ("config start", "config end", "build start", "build end") and name not in row:
            row[name] = round(mark["t"] - write, 3)
            if name == "build start":
                row["_cpu"] = mark["cpu"]
            if name == "build end":
                row["build cpu"] = round(mark["cpu"] - row.pop("_cpu", mark["cpu"]), 3)
                row["phases"] = mark["phases"]
                row["poll cpu during build"] = mark["poll_cpu"]
                row["polls during build"] = mark["polls"]
    return row


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        _serve(sys.argv[2:])
        return
    import serve_latency
    import sites
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--kb", type=Path, required=True, help="a knowledge base (synth.py); its records are edited and put back"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/serve-trace"))
    parser.add_argument("--edits", type=int, default=4)
    parser.add_argument("--pause", type=float, default=4.0, help="seconds between edits (the idle CPU is read then)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    trace = args.work / "trace.jsonl"
    trace.write_text("", "utf-8")
    config_file = sites.plugin_config(args.work / "site", args.kb.resolve())
    os.environ[TRACE_ENV] = str(trace)
    server = serve_latency.Server(
        config_file, args.work, command=[sys.executable, str(Path(__file__).resolve()), "serve"]
    )
    records = sorted((args.kb / "incidents").glob("*.yaml"))
    edited = serve_latency._published(records)[0]
    original = edited.read_text("utf-8")
    title = yaml.safe_load(original)["title"]
    page = f"/incidents/{edited.stem}/"
    rows: list[dict[str, Any]] = []
    try:
        print(f"first build and start: {server.wait_ready(serve_latency.START_TIMEOUT_S):.1f} s", flush=True)
        time.sleep(serve_latency.SETTLE_S)
        for n in range(args.edits):
            cpu0, t0 = server.cpu_seconds(), time.perf_counter()
            time.sleep(args.pause)
            idle = (server.cpu_seconds() or 0) - (cpu0 or 0)
            idle_s = time.perf_counter() - t0
            marker = f"Trace edit {n}"
            text = serve_latency._retitled(original, f"{marker} {title}") if n % 2 == 0 else original
            since = time.time()
            cpu = server.cpu_seconds()
            write = time.time()
            serve_latency.Writer.write(edited, text)
            needle = marker.encode() if n % 2 == 0 else f"Trace edit {n - 1}".encode()
            while True:
                status, body = server.get(page, timeout=300)
                if status == 200 and ((needle in body) == (n % 2 == 0)):
                    break
                time.sleep(serve_latency.POLL_S)
            shown = time.time()
            row = _timeline(trace, since, write, shown)
            row["server cpu"] = round((server.cpu_seconds() or 0) - (cpu or 0), 3)
            row["idle_cpu_per_s"] = round(idle / idle_s, 3)
            row["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        server.close()
        edited.write_text(original, "utf-8")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), "utf-8")


if __name__ == "__main__":
    main()
