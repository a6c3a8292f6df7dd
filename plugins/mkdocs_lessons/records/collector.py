"""Python's cyclic garbage collector: paused while records are read and checked, and kept off the heap at exit."""

from __future__ import annotations

import atexit
import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while records are read and checked.

    Parsing allocates millions of containers and no reference cycles; the
    collector would rescan the growing heap again and again (a third of the
    load time at 10,000 records). Plain reference counting still frees
    everything; the collector resumes afterwards. With `freeze`, everything
    alive is first moved out of its sight (`gc.freeze`; the caller undoes it
    with `gc.unfreeze` when those objects may become garbage): otherwise the
    first collection after the pause scans it all once more.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if freeze:
                gc.freeze()
            gc.enable()


_EXIT_REGISTERED = False


def no_collection_at_exit() -> None:
    """When the interpreter ends, leave the heap to the system instead of collecting it.

    Python's finalization runs full collections over everything still alive, and
    so frees a build's whole heap object by object: 0.45 s of a 1,000-incident
    `mkdocs build`, after MkDocs' last line, growing with the heap. Frozen
    objects are out of the collector's sight (`gc.freeze`); `atexit` runs only
    when the process is ending, so nothing is frozen while it lives on (tests,
    `mkdocs serve`). Files are closed by their `with` blocks, temporary folders
    by their own exit hooks, and the memory goes back to the system at once.
    """
    global _EXIT_REGISTERED
    if not _EXIT_REGISTERED:
        atexit.register(gc.freeze)
        _EXIT_REGISTERED = True
