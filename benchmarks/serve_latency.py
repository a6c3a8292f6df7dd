"""Save to visible: how long after a record is written its change shows in `mkdocs serve`.

A real `python -m mkdocs serve -a 127.0.0.1:<port>` on the plugin's site, in
a process group of its own. Once it answers, three kinds of change, each
`repeats` times and undone in between (the undoing timed too):

- `edit`: one incident's title changed; visible when its page shows the new title;
- `add`: a copy of an incident under the next free id and a new title;
  visible when its page answers 200 with that title;
- `remove`: an incident no other record names, deleted; visible when its page answers 404.

Each is timed from the write to the first answer that shows it, polling the
page over HTTP (127.0.0.1 only) every 50 ms. MkDocs 1.6 polls docs_dir and
mkdocs.yml (watchdog's PollingObserver, a snapshot of every watched tree
compared every 0.5 s); the records folder the plugin adds in `on_serve` is
watched by the system's file events (`serve_watch: auto`, inotify here:
adapter/serve_watch.py). Once a change is seen MkDocs waits for 0.1 s
without further changes and rebuilds; the server holds requests while a
rebuild runs, so a poll answers as soon as the new site is complete.
`--no-livereload` would stop the watching altogether: no rebuild, nothing
to measure. benchmarks/serve_trace.py puts timestamps on the way.

Records are written in place, as most editors save: the inode stays, only
the size and times move, so the plugin's change detection (size, times,
inode) is tested as users meet it. No pause is made to keep a write out of
the second of the last build's read: an edit undone a second after it
showed is what a contributor does too.
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import yaml

import sites

ID_PATTERN = re.compile(r"\bINC-[0-9]{4}-[0-9]+\b")  # synth.py's ids

POLL_S = 0.05
START_TIMEOUT_S = 3600.0  # the first build of a large site (10,000 incidents: minutes)
SETTLE_S = 2.0  # after the first answer: the watcher takes its first snapshot in a thread of its own


class ServeError(RuntimeError):
    pass


class Server:
    """`mkdocs serve` in a process group of its own, stopped in `close`."""

    def __init__(self, config_file: Path, work: Path, command: list[str] | None = None) -> None:
        self.port = sites.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = work / "serve.log"
        tmp = work / "serve-tmp"  # serve builds into a temporary folder: keep it in the work folder
        tmp.mkdir(parents=True, exist_ok=True)
        env = sites.child_env()
        env["TMPDIR"] = str(tmp)
        self._out = open(self.log, "wb")
        # `command` stands for `python -m mkdocs serve` (serve_trace.py runs the same command with timestamps).
        command = (command or [sys.executable, "-m", "mkdocs", "serve"]) + ["-f", str(config_file), "-a", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(command, stdout=self._out, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def log_tail(self) -> str:
        return self.log.read_text("utf-8", "replace")[-4000:]

    def get(self, path: str, timeout: float) -> tuple[int, bytes]:
        """Status and body of one page; the server holds the request while it rebuilds."""
        if self.process.poll() is not None:
            raise ServeError(f"mkdocs serve exited ({self.process.returncode}):\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(self.base + path, timeout=max(timeout, 0.1)) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def wait_ready(self, timeout: float) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            try:
                status, _ = self.get("/", timeout=timeout)
                if status == 200:
                    return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # not listening yet: the first build comes before the server binds
            time.sleep(0.2)
        raise ServeError(f"mkdocs serve did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident memory so far (Linux: VmHWM); None elsewhere."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            pass
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time the server has used so far (Linux: /proc/<pid>/stat utime + stime); None elsewhere."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def close(self) -> None:
        """Ctrl-C for the group (serve removes its temporary site), then SIGKILL if it lingers."""
        try:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGINT)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        finally:
            self._out.close()


def _wait_until(server: Server, path: str, shown: Callable[[int, bytes], bool], start: float, timeout: float, what: str) -> float:
    """Seconds from `start` to the first answer for `path` that `shown` accepts (the server's CPU time is read around it)."""
    deadline = start + timeout
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise ServeError(f"{what}: not visible at {path} within {timeout:.0f} s:\n{server.log_tail()}")
        try:
            status, body = server.get(path, timeout=remaining)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            raise ServeError(f"{what}: {path} did not answer ({error}):\n{server.log_tail()}") from error
        if shown(status, body):
            return time.perf_counter() - start
        time.sleep(POLL_S)


class Writer:
    """Writes records in place, as most editors save (no rename: the inode stays, only size and times move)."""

    @staticmethod
    def write(target: Path, text: str) -> float:
        """Write `text` to `target`; returns the moment of the write (perf_counter)."""
        data = text.encode("utf-8")
        moment = time.perf_counter()
        with open(target, "wb") as out:
            out.write(data)
        return moment

    @staticmethod
    def remove(target: Path) -> float:
        moment = time.perf_counter()
        target.unlink()
        return moment


def _page(incident_id: str) -> str:
    return f"/incidents/{incident_id}/"


def _retitled(text: str, title: str) -> str:
    """The record with its title replaced (a JSON string is a YAML scalar); checked to read back."""
    edited, count = re.subn(r"^title: .*$", lambda _: f"title: {json.dumps(title)}", text, count=1, flags=re.M)
    loaded = yaml.safe_load(edited) if count else None
    if not isinstance(loaded, dict) or loaded.get("title") != title:
        raise ServeError(f"could not set the title to {title!r} (title over several lines?)")
    return edited


def _published(records: list[Path]) -> list[Path]:
    """Incidents with a page: drafts are validated but not published (include_drafts is off)."""
    draft = re.compile(r"^status: ['\"]?draft['\"]?\s*$", re.M)
    return [record for record in records if not draft.search(record.read_text("utf-8"))]


def _unreferenced(candidates: list[Path], kb: Path, avoid: set[Path]) -> Path:
    """The newest of `candidates` no other file names (removing it leaves a valid knowledge base)."""
    names = Counter(name for path in kb.rglob("*.yaml") for name in ID_PATTERN.findall(path.read_text("utf-8")))
    for record in reversed(candidates):
        if record not in avoid and names[record.stem] == 1:  # its own `id:`
            return record
    raise ServeError("every published incident is named by another record: nothing to remove")


def _next_id(records: list[Path]) -> str:
    newest = records[-1].stem
    prefix, number = newest.rsplit("-", 1)
    taken = {p.stem for p in records}
    candidate = int(number) + 1
    while f"{prefix}-{candidate:0{len(number)}d}" in taken:
        candidate += 1
    return f"{prefix}-{candidate:0{len(number)}d}"


def _summary(runs: dict[str, list[float]], kind: str, record: str) -> dict[str, Any]:
    """Medians and every run of one kind of change and of its undoing; the server's CPU time for each where known."""

    def listed(name: str) -> list[float]:
        return [round(t, 2) for t in runs.get(name, [])]

    def median(name: str) -> float | None:
        return round(statistics.median(runs[name]), 2) if runs.get(name) else None

    return {
        "visible_s": median(kind),
        "runs_s": listed(kind),
        "cpu_s": median(f"{kind} cpu"),
        "cpu_runs_s": listed(f"{kind} cpu"),
        "undo_visible_s": median(f"{kind} undone"),
        "undo_runs_s": listed(f"{kind} undone"),
        "undo_cpu_runs_s": listed(f"{kind} undone cpu"),
        "record": record,
    }


def measure_serve(config_file: Path, kb: Path, work: Path, repeats: int = 3, timeout: float = 300.0) -> dict[str, Any]:
    incidents = kb / "incidents"
    records = sorted(incidents.glob("*.yaml"), key=lambda p: p.name)
    published = _published(records)
    edited = published[0]
    source = published[-1]  # the newest: its copy shares its words (joins similar lists, as a real new review would)
    removed = _unreferenced(published, kb, avoid={edited})
    added_id = _next_id(records)
    added = incidents / f"{added_id}.yaml"
    writer = Writer()
    originals = {edited: edited.read_text("utf-8"), removed: removed.read_text("utf-8")}

    server = Server(config_file, work)
    try:
        start_s = server.wait_ready(START_TIMEOUT_S)
        # Each page starts as the measurement expects, or a change could "show" at once.
        for page, expected in ((_page(edited.stem), 200), (_page(removed.stem), 200), (_page(added_id), 404)):
            status, _ = server.get(page, timeout=timeout)
            if status != expected:
                raise ServeError(f"{page} answered {status} before any change, not {expected}")
        time.sleep(SETTLE_S)

        def contains(marker: str, status: int = 200) -> Callable[[int, bytes], bool]:
            needle = marker.encode("utf-8")
            return lambda code, body: code == status and needle in body

        def lacks(marker: str) -> Callable[[int, bytes], bool]:
            needle = marker.encode("utf-8")
            return lambda code, body: code == 200 and needle not in body

        def not_found(code: int, body: bytes) -> bool:
            return code == 404

        def found(code: int, body: bytes) -> bool:
            return code == 200

        runs: dict[str, list[float]] = {}

        def change(kind: str, act: Callable[[], float], page: str, shown: Callable[[int, bytes], bool]) -> None:
            """Make one change (`act` returns the moment of the write) and time it to visible, wall and server CPU."""
            cpu = server.cpu_seconds()
            runs.setdefault(kind, []).append(_wait_until(server, page, shown, act(), timeout, kind))
            after = server.cpu_seconds()
            if cpu is not None and after is not None:
                runs.setdefault(f"{kind} cpu", []).append(after - cpu)

        # (a) an edit of one incident's title, then the original text back
        original = originals[edited]
        title = yaml.safe_load(original)["title"]
        for n in range(1, repeats + 1):
            marker = f"Benchmark edit {n}"
            change("edit", lambda: writer.write(edited, _retitled(original, f"{marker} {title}")), _page(edited.stem), contains(marker))
            change("edit undone", lambda: writer.write(edited, original), _page(edited.stem), lacks(marker))

        # (b) a record added under the next free id, then removed
        copy = source.read_text("utf-8").replace(f"id: {source.stem}", f"id: {added_id}", 1)
        for n in range(1, repeats + 1):
            marker = f"Added by the benchmark {n}"
            change("add", lambda: writer.write(added, _retitled(copy, marker)), _page(added_id), contains(marker))
            change("add undone", lambda: writer.remove(added), _page(added_id), not_found)

        # (c) a record removed, then written back
        for _ in range(repeats):
            change("remove", lambda: writer.remove(removed), _page(removed.stem), not_found)
            change("remove undone", lambda: writer.write(removed, originals[removed]), _page(removed.stem), found)

        result = {kind: _summary(runs, kind, record) for kind, record in (("edit", edited.stem), ("add", added_id), ("remove", removed.stem))}
        peak = server.peak_rss_mb()
        return {
            "start_s": round(start_s, 2),
            "repeats": repeats,
            **result,
            "peak_rss_mb": None if peak is None else round(peak),
        }
    finally:
        server.close()
        # Leave the knowledge base as it was, whatever stopped the measurement.
        if added.exists():
            added.unlink()
        for record, text in originals.items():
            if not record.exists() or record.read_text("utf-8") != text:
                record.write_text(text, "utf-8")
