"""The line "Last updated: YYYY-MM-DD" on record pages, from the record file's git history.

The date is the last commit that changed the record's YAML file
(`records/gitdates.py`), so it says when the record was last edited, not when the
site was built. It goes on the page that shows the record itself: an
incident, an SOP (not the pages of single versions, which show a version
as it stood), a reading path. Without git there is no line at all, so a
build without history is as reproducible as one with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from mkdocs_lessons import text
from mkdocs_lessons.pages.common import Context, GeneratedFile


def last_updated_line(ctx: Context, source: Optional[Path]) -> str:
    day = ctx.last_updated.get(source.resolve()) if source is not None else None
    if day is None:
        return ""
    iso = day.isoformat()
    return f'<p class="lessons-updated">Last updated: <time datetime="{text.attr(iso)}">{iso}</time></p>'


def record_pages(ctx: Context) -> dict[str, Optional[Path]]:
    """Source path of each page that shows a whole record -> the record's file (once per build)."""
    kept = ctx.memo.get(("updated", "record-pages"))
    if kept is not None:
        return kept
    kb, urls = ctx.kb, ctx.urls
    pages: dict[str, Optional[Path]] = {}
    ctx.memo[("updated", "record-pages")] = pages
    for incident in kb.published_incidents:
        pages[urls.incident(incident.id)] = incident.source.file if incident.source else None
    for sop in kb.sops.values():
        pages[urls.sop(sop.id)] = sop.source.file if sop.source else None
    for reading_path in kb.paths.values():
        pages[urls.path(reading_path.id)] = reading_path.source.file if reading_path.source else None
    return pages


def stamp_last_updated(ctx: Context, files: list[GeneratedFile]) -> None:
    """Append the line to every record page whose file git knows."""
    if not ctx.last_updated:
        return
    pages = record_pages(ctx)
    for file in files:
        source = pages.get(file.src_uri)
        if source is None or not isinstance(file.content, str):
            continue
        line = last_updated_line(ctx, source)
        if line:
            file.content = file.content.rstrip("\n") + "\n\n" + line + "\n"
