"""A one-off build's pages rendered on two cores: half of them in a forked copy of the process.

MkDocs renders on one core. Before it starts, while the plugin makes its
pages (about a third of a build at 1,000 incidents), the machine's other
core is idle. So in `mkdocs build`, `generate` (pages/site.py) lists its
pages without rendering them (`defer` hands back a `Pending` in place of
each), and `resolve` then forks. The two work through one list from its
two ends (`Split`): this process from the front, the copy from the back,
until they meet, so both finish together on any machine and at any size.
The copy hands its files back through a temporary file; the files go back
in their listed order, so the site is byte for byte what one process makes
(tests/test_parallel.py). MkDocs' own page loop is split the same way
(adapter/parallel_build.py).

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

import fcntl
import logging
import mmap
import os
import pickle
import struct
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

    def resolve(self, here: Callable[[Pending], bool], first: Callable[[Pending], bool]) -> dict[int, list[Any]]:
        """Every pending page rendered and completed, by index. Those `here` picks are rendered in this process
        (first); the others are shared: this process takes them from the front, the copy from the back
        (`Split`), so the two finish together whatever the machine. Those `first` picks go to the back, where
        the copy starts: the heaviest few, so neither process is left with one at the end.
        """
        ours = [p for p in self.pending if here(p)]
        shared = [p for p in self.pending if not here(p) and not first(p)]
        shared += [p for p in self.pending if not here(p) and first(p)]
        split = Split.make(len(shared)) if shared else None
        child = None
        if split is not None:
            sharing = split
            child = fork(lambda: _render_back(shared, sharing, self.complete))
            if child is None:
                split.close()
                split = None
        done: dict[int, list[Any]] = {}
        try:
            for pending in ours:
                self._render_here(pending, done)
            for position, pending in enumerate(shared):
                if split is not None and not split.take_front(position):
                    break  # the copy has this one and all after it
                self._render_here(pending, done)
        finally:
            start = perf_counter()
            result = child.collect() if child is not None else None
            self.timings.add("second process (waited for)", perf_counter() - start)
        if split is not None:
            if result is None:
                for position in split.theirs():  # the copy failed: render its share here, so any error shows as usual
                    pending = shared[position]
                    done[pending.index] = self.complete(pending.render(), pending.finish)
            else:
                renders, seconds = result
                self.timings.add("second process (rendering)", seconds)
                done.update(renders)
            split.close()
        return done

    def _render_here(self, pending: Pending, done: dict[int, list[Any]]) -> None:
        start = perf_counter()
        done[pending.index] = self.complete(pending.render(), pending.finish)
        self.timings.add(pending.phase, perf_counter() - start)


class Split:
    """A list of tasks worked through from both ends, by this process from the front and by a forked copy from
    the back, until they meet: neither waits for the other at the end, however the work is spread.

    Two counters in memory the fork shares (a mapped temporary file), guarded by a lock on that file
    (`fcntl.lockf`): the system drops a process's locks when it ends, so a copy killed while holding it
    cannot leave this process waiting.
    """

    def __init__(self, size: int, handle: int, memory: mmap.mmap) -> None:
        self.size = size
        self._handle = handle
        self._memory = memory

    @classmethod
    def make(cls, size: int) -> Optional["Split"]:
        try:
            handle, path = tempfile.mkstemp(prefix="mkdocs-lessons-split-")
            os.unlink(path)  # open until closed; nothing to clean up
            os.write(handle, struct.pack(_COUNTERS, 0, size))
            memory = mmap.mmap(handle, struct.calcsize(_COUNTERS))
        except (OSError, ValueError) as exc:
            log.debug(f"lessons: no shared list of pages ({exc}); one process renders them")
            return None
        return cls(size, handle, memory)

    def _locked(self, change: Callable[[int, int], tuple[Optional[int], int, int]]) -> Optional[int]:
        fcntl.lockf(self._handle, fcntl.LOCK_EX)
        try:
            front, back = struct.unpack_from(_COUNTERS, self._memory)
            taken, front, back = change(front, back)
            struct.pack_into(_COUNTERS, self._memory, 0, front, back)
            return taken
        finally:
            fcntl.lockf(self._handle, fcntl.LOCK_UN)

    def take_front(self, position: int) -> bool:
        """This process takes `position`, the next from the front, unless the copy has it already."""
        return (
            self._locked(lambda front, back: (position, position + 1, back) if position < back else (None, front, back))
            is not None
        )

    def take_back(self) -> Optional[int]:
        """The copy takes the last position no one has, or None when none is left."""
        return self._locked(lambda front, back: (back - 1, front, back - 1) if back > front else (None, front, back))

    def theirs(self) -> range:
        """The positions the copy took (read once it has ended)."""
        return range(struct.unpack_from(_COUNTERS, self._memory)[1], self.size)

    def close(self) -> None:
        self._memory.close()
        os.close(self._handle)


#: The split's counters: the next position from the front, and the first position the copy has taken.
_COUNTERS = "qq"


def _render_back(
    tasks: list[Pending], split: "Split", complete: Callable[[Any, bool], list[Any]]
) -> tuple[dict[int, Any], float]:
    """In the copy: tasks taken from the back of `split` until none is left, rendered and completed, by index,
    and the seconds that took."""
    start = perf_counter()
    done: dict[int, Any] = {}
    while (position := split.take_back()) is not None:
        pending = tasks[position]
        done[pending.index] = complete(pending.render(), pending.finish)
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
