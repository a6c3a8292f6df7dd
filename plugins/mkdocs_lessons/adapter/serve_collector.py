"""Under `mkdocs serve`: the cyclic garbage collector, kept out of the way of a save.

At 10,000 incidents a serve process holds millions of objects the cyclic
collector tracks, and a full collection scans them all: 3.7 to 4.5 s with
the interpreter lock held. One used to run two seconds after every build,
and a save made while it ran waited for it (the first save after `serve`
started showed 13 s after the write instead of 7). Yet a rebuild leaves
almost no cyclic garbage: the plugin breaks the cycles it and MkDocs make
(`ServeCache.release`, `Watch.close`, the document cache letting go of a
replaced record), so reference counting frees a rebuild's garbage as it
goes (tests/test_serve_garbage.py holds that). So:

- while a build runs the collector is paused (a build allocates millions of
  objects and would set off collection after collection);
- once the first build is written, before the server answers, it is
  collected once (Jinja leaves a cycle for every page the theme renders)
  and everything alive is frozen (`gc.freeze`): the knowledge base, the
  caches and what the next build reuses are long-lived, and the collector
  never scans them again;
- `DELAY_S` after each later build, once the browser has had the new page,
  a collection runs on a thread of its own over what is not frozen (what
  the builds since the last one made and kept), and what survives it is
  frozen in turn; the collector stays off until then (turned on at once,
  it would scan the build's young objects at its next allocation, before
  the page is served). A save within that time cancels it; it then runs
  after that build.

Frozen objects are still freed by reference counting; only a reference cycle
among them is never found. The safety net for a cycle nobody broke (another
plugin's, a future MkDocs'): when the heap has grown by `REGROWTH` since the
last full collection, that collection is made again over everything
(seconds at 10,000 incidents; with the cycles broken, records added by hand
are what makes the heap grow that much) and the survivors are frozen. The
heap is measured in the interpreter's small-object blocks
(`sys.getallocatedblocks`, a few milliseconds), not in frozen objects:
`gc.get_freeze_count` walks them all, 0.3 s of the interpreter lock at
10,000 incidents, after every build. Nothing stays frozen once the server
stops (`close`).

One-off builds (`mkdocs build`) are not touched: they collect as Python
does (with the plugin's own pauses, records/collector.py `collector_paused`).
"""

from __future__ import annotations

import gc
import sys
import threading
from typing import Optional

#: Seconds between the end of a build and its collection: the live-reloaded page is served first.
DELAY_S = 2.0
#: Growth of the heap since the last full collection that calls for another (see the docstring).
REGROWTH = 0.25


class DeferredCollector:
    def __init__(self, delay: float = DELAY_S, regrowth: float = REGROWTH) -> None:
        self.delay = delay
        self.regrowth = regrowth
        self._timer: Optional[threading.Timer] = None
        self._lock = threading.Lock()  # a collection and a build's start never overlap
        self._resume = False  # the collector was on when the build began
        self._paused = False
        self._frozen_base: Optional[int] = None  # the heap's blocks after the last full collection (None: not yet)
        self.full_collections = 0  # made again over everything (REGROWTH); tests and benchmarks read it

    def pause(self) -> None:
        """A build begins: no collection until it ends (a waiting one is dropped; the next one covers it)."""
        with self._lock:  # a collection under way ends first (it holds the interpreter lock anyway)
            waiting = self._cancel()
        if not self._paused and not waiting:  # (while one waits, the collector is off on its account)
            self._resume = gc.isenabled()
        self._paused = True
        gc.disable()

    def resume(self) -> None:
        """The build is written (or failed): the first build's heap collected and frozen; a later build's left to
        the collection `delay` seconds on."""
        if not self._paused:
            return
        self._paused = False
        if not self._resume:
            return
        if self._frozen_base is None:
            # The first build, before the server answers: everything it made is young, and the collector, once
            # on, would scan all of it at its first allocation anyway. Collected now (the theme's rendering
            # leaves cyclic garbage), what survives is the long-lived heap: frozen.
            gc.collect()
            gc.freeze()
            self._frozen_base = sys.getallocatedblocks()
            gc.enable()
            return
        # Left off until then: turned on now, it would scan the build's young objects at its next allocation,
        # before the browser has the page.
        timer = threading.Timer(self.delay, self._collect)
        timer.daemon = True  # never keeps a stopped server alive
        self._timer = timer
        timer.start()

    def _collect(self) -> None:
        with self._lock:
            if self._timer is None or self._timer is not threading.current_thread():
                return  # cancelled by a build that began meanwhile (it collects after it ends)
            self._timer = None
            gc.collect()  # what is not frozen: what the builds since the last collection made and kept
            gc.freeze()
            if self._frozen_base is not None and sys.getallocatedblocks() > self._frozen_base * (1 + self.regrowth):
                gc.unfreeze()  # the safety net: a cycle among frozen objects would otherwise stay for good
                gc.collect()
                gc.freeze()
                self.full_collections += 1
                self._frozen_base = sys.getallocatedblocks()
            gc.enable()

    def close(self) -> None:
        """The server stops (or starts again): nothing stays frozen, the collector as it was."""
        with self._lock:
            waiting = self._cancel()
        if self._frozen_base is not None:
            gc.unfreeze()
            self._frozen_base = None
        if (self._paused or waiting) and self._resume:
            gc.enable()
        self._paused = False

    def _cancel(self) -> bool:
        """Drop the waiting collection; whether there was one."""
        if self._timer is None:
            return False
        self._timer.cancel()
        self._timer = None
        return True
