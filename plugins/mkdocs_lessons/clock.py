"""The date called "today" (overdue marks, due dates): reproducible when asked to be.

Shared by the MkDocs adapter and the `lessons` command, so `lessons stats`
and the site agree on what is overdue.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from typing import Optional


def resolve_today(option: Optional[str | date]) -> date:
    """The given date, else `SOURCE_DATE_EPOCH` when set, else the machine's date."""
    if isinstance(option, date):
        return option
    if option:
        return date.fromisoformat(option)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return date.today()
