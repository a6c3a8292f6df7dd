"""Errors shown in the terminal but not counted by `strict`, while `mkdocs serve` keeps the last good site.

Under `strict: true` MkDocs counts every warning and error logged under
`mkdocs.` during a build and aborts the build after `on_post_build` when
any were. In `mkdocs serve` an aborted rebuild never becomes visible, and
the server makes every request wait for it: the whole site hangs until the
record is fixed. When the plugin serves the last good site instead of a
broken knowledge base, its errors must still reach the terminal, and must
not abort a rebuild that succeeded. Nothing else is exempt.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

PLUGIN_LOGGER = "mkdocs.plugins.mkdocs_lessons"


class _NotOurs(logging.Filter):
    """Lets a counter count every record except the plugin's own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(PLUGIN_LOGGER)


@contextmanager
def shown_not_counted(active: bool) -> Iterator[None]:
    """While active, the plugin's log lines go to the terminal as usual but MkDocs' strict counters skip them."""
    if not active:
        yield
        return
    from mkdocs.utils import CountHandler

    counters = [h for h in logging.getLogger("mkdocs").handlers if isinstance(h, CountHandler)]
    skip = _NotOurs()
    for counter in counters:
        counter.addFilter(skip)
    try:
        yield
    finally:
        for counter in counters:
            counter.removeFilter(skip)
