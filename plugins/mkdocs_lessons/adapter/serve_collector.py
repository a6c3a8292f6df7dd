"""Under `mkdocs serve`: the cyclic garbage collector waits until a build is on screen.

At 10,000 incidents a serve process holds tens of millions of objects. A
full collection (generation 2) scans them all: 2 to 5 s, and one fell
inside about every other rebuild, where it lengthened the wait between a
save and the page showing it by that much (benchmarks/serve_probe.py,
`gc`). Rebuilds make little cyclic garbage (the last build's pages and
navigation), so nothing is lost by collecting it a moment later: the
collector is paused from the start of a build to its end, then a full
collection runs on a thread of its own `DELAY_S` later, once the browser
has had the new page. A save within that time cancels the waiting
collection; it then runs after that build. Reference counting frees all
acyclic garbage meanwhile, as always.

One-off builds (`mkdocs build`) are not touched: they collect as Python
does (with the plugin's own pauses, records/collector.py `collector_paused`).
"""

from __future__ import annotations

import gc
import threading
from typing import Optional

#: Seconds between the end of a build and its full collection: the live-reloaded page is served first.
DELAY_S = 2.0


class DeferredCollector:
    def __init__(self, delay: float = DELAY_S) -> None:
        self.delay = delay
        self._timer: Optional[threading.Timer] = None
        self._resume = False  # the collector was on when the build began
        self._paused = False

    def pause(self) -> None:
        """A build begins: no collection until it ends (a waiting one is dropped; the next one covers it)."""
        self._cancel()
        if not self._paused:
            self._resume = gc.isenabled()
            self._paused = True
        gc.disable()

    def resume(self) -> None:
        """The build is written (or failed): the collector back on, and one full collection shortly."""
        if not self._paused:
            return
        self._paused = False
        if not self._resume:
            return
        gc.enable()
        self._timer = threading.Timer(self.delay, gc.collect)
        self._timer.daemon = True  # never keeps a stopped server alive
        self._timer.start()

    def close(self) -> None:
        self._cancel()
        if self._paused:
            self._paused = False
            if self._resume:
                gc.enable()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
