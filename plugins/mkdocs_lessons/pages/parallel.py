"""A one-off build's pages rendered on two cores: half of them in a forked copy of the process.

MkDocs renders on one core. Before it starts, while the plugin makes its
pages (about a third of a build at 1,000 incidents), the machine's other
core is idle. So in `mkdocs build`, `generate` (pages/site.py) lists its
pages without rendering them (`defer` hands back a `Pending` in place of
each), and `resolve` then forks: the copy renders its share and hands the
files back through a temporary file; this process renders the rest
meanwhile; the files go back in their listed order, so the site is byte
for byte what one process makes (tests/test_parallel.py).

Why a fork and not a pool: the copy starts with everything already in
memory (records, analysis, compiled templates, converted prose), so
nothing is pickled on the way in and nothing is imported again; only the
rendered files come back. The analysis' products that many pages read are
worked out before the fork (`Analysis.settle`), or both processes would
work each out.

What stays in one process: `mkdocs serve` (a rebuild renders a few pages
and keeps the rest, render/reads.py), one-core machines, platforms without
`fork` (Windows) or where it is unsafe (macOS), and sites that set `parallel: false` (the copy's memory grows as
it touches the parent's pages, up to about 1.6 times a build's peak for
the two together). If the copy fails in any way (an error in a template,
killed for memory), this process renders its share too, so a template
error is reported as usual.

What the copy logs (a warning in a record's text) is replayed here in its
order, after this process's own, so `strict` counts it. Nothing here
imports MkDocs.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass
from time import perf_counter
from typing import Any, Callable, Optional

from mkdocs_lessons.timing import Timings

log = logging.getLogger("mkdocs.plugins.mkdocs_lessons.parallel")


@dataclass
class Pending:
    """A page listed by `generate` and rendered later, by `resolve`."""

    index: int
    phase: str
    render: Callable[[], Any]
    finish: bool = False  # `generate` adds its last-updated line and search markup once rendered


def available() -> bool:
    """Two processes help: a second core, and `fork` to start the copy with the build's memory. Not on macOS,
    where a forked process that touches some system libraries crashes (Python's own pools spawn there)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and (os.cpu_count() or 1) >= 2


class Parallel:
    """Collects the pages `generate` lists, then renders them in two processes."""

    def __init__(self, timings: Timings, complete: Callable[[Any, bool], list[Any]]) -> None:
        self.pending: list[Pending] = []
        self.timings = timings
        self.phase = ""
        # A render's files, finished if `Pending.finish` asks: done in the process that rendered them.
        self.complete = complete

    def defer(self, render: Callable[[], Any]) -> Pending:
        pending = Pending(len(self.pending), self.phase, render)
        self.pending.append(pending)
        return pending

    def resolve(self, share: Callable[[Pending], bool]) -> dict[int, list[Any]]:
        """Every pending page rendered and completed: those `share` picks in the copy, the rest here. Index -> files."""
        theirs = [p for p in self.pending if share(p)]
        ours = [p for p in self.pending if not share(p)]
        child = fork(lambda: _render(theirs, self.complete)) if theirs else None
        done: dict[int, list[Any]] = {}
        try:
            for pending in ours:
                start = perf_counter()
                done[pending.index] = self.complete(pending.render(), pending.finish)
                self.timings.add(pending.phase, perf_counter() - start)
        finally:
            start = perf_counter()
            result = child.collect() if child is not None else None
            self.timings.add("second process (waited for)", perf_counter() - start)
        if child is not None:
            if result is None:
                for pending in theirs:  # the copy failed: render its share here, so any error shows as usual
                    done[pending.index] = self.complete(pending.render(), pending.finish)
            else:
                renders, seconds = result
                self.timings.add("second process (rendering)", seconds)
                done.update(renders)
        return done


def _render(tasks: list[Pending], complete: Callable[[Any, bool], list[Any]]) -> tuple[dict[int, Any], float]:
    """In the copy: each task rendered and completed, by index, and the seconds that took."""
    start = perf_counter()
    done = {pending.index: complete(pending.render(), pending.finish) for pending in tasks}
    return done, perf_counter() - start


class Child:
    """A forked copy doing one piece of work: its process id and the file it leaves the work's result in."""

    def __init__(self, pid: int, path: str) -> None:
        self.pid = pid
        self.path = path

    def collect(self) -> Optional[Any]:
        """Wait for the copy; its work's result, or None when it failed (reason at debug level). Its log lines are
        replayed here, after this process's own, so `strict` counts them."""
        try:
            _, status = os.waitpid(self.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                log.debug(f"lessons: the second process ended with status {status}; doing its work here")
                return None
            with open(self.path, "rb") as source:
                outcome, payload, records = pickle.load(source)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            log.debug(f"lessons: the second process's work could not be read ({exc}); doing it here")
            return None
        finally:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        if outcome != "ok":  # its lines are not replayed: this process does the work again and logs them itself
            log.debug(f"lessons: the second process failed; doing its work here:\n{payload}")
            return None
        for record in records:
            logging.getLogger(record.name).handle(record)
        return payload

    def stop(self) -> None:
        """End the copy now (this build failed or stopped): its result is not wanted."""
        try:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        try:
            os.unlink(self.path)
        except OSError:
            pass


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # formatted here: arguments may not pickle
        record.exc_info = record.exc_text = None
        self.records.append(record)


def fork(work: Callable[[], Any]) -> Optional[Child]:
    """Start a copy of this process doing `work()` (its result must pickle); None when it cannot start (the
    caller does the work itself)."""
    handle, path = tempfile.mkstemp(prefix="mkdocs-lessons-pages-")
    os.close(handle)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the copy would print what is buffered a second time
    try:
        with warnings.catch_warnings():
            # Python 3.12 warns on fork in a threaded process (a test runner's); the copy only renders pages.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError as exc:
        log.debug(f"lessons: no second process ({exc}); doing all the work here")
        os.unlink(path)
        return None
    if pid:
        return Child(pid, path)
    _work_and_exit(work, path)  # never returns
    return None


def _work_and_exit(work: Callable[[], Any], path: str) -> None:
    """In the copy: do the work, leave its result in `path`, and end without running the parent's exit handlers."""
    code = 0
    try:
        capture = _Capture()
        # Every logger's lines come here instead of the terminal (in the copy only): the parent replays them.
        setattr(logging.Logger, "callHandlers", lambda logger, record: capture.handle(record) and None)
        try:
            outcome: tuple[str, Any, list[logging.LogRecord]] = ("ok", work(), capture.records)
        except BaseException:
            outcome = ("failed", traceback.format_exc(), capture.records)
        with open(path, "wb") as target:
            pickle.dump(outcome, target, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no temporary folders of the parent's removed, no buffers flushed again
