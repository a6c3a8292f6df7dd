"""Long lists split over numbered pages, so no page grows with the knowledge base.

A list that grows with every record (the incident index, a year, a term's
or a team's incidents, the backlog, the lessons) shows at most `PAGE_SIZE`
rows a page. The first page keeps the list's contract URL
(`incidents/`, `taxonomy/<term>/`...); the others follow it:
`incidents/page/2/`, `teams/payments/page/2/`. Every page links every other
page, so a reader without JavaScript reaches every row; scripts that filter
a list fetch the rows they need instead (assets/incidents.js).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, TypeVar

from markupsafe import Markup

from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.pages.paths.banners import path_banners

T = TypeVar("T")

#: Rows a page: at 10,000 incidents the heaviest list page stays well under 1 MB.
PAGE_SIZE = 200


@dataclass(frozen=True)
class Pager:
    """Where a page sits among the pages of its list (what `partials/pager.html` shows)."""

    number: int  # 1-based
    total: int
    first_row: int  # 1-based, for "rows 201–400 of 1,234"
    last_row: int
    rows: int
    links: tuple[tuple[int, Markup], ...]  # (page number, link), every page but this one


def page_uri(base: str, number: int) -> str:
    """The src_uri of page `number` of the list whose first page is `base` (`incidents/index.md`)."""
    if number == 1:
        return base
    folder = posixpath.dirname(base) if base.endswith("/index.md") or base == "index.md" else base[: -len(".md")]
    return posixpath.join(folder, "page", str(number), "index.md")


def paged(
    ctx: Context, base: str, rows: Sequence[T], size: Optional[int] = None
) -> list[tuple[str, Sequence[T], Pager]]:
    """(src_uri, that page's rows, its pager) for every page of the list; one page when it fits.

    `size` defaults to `PAGE_SIZE` as it is when called (tests make it small).
    """
    size = size or PAGE_SIZE
    total = max(1, -(-len(rows) // size))
    uris = [page_uri(base, n) for n in range(1, total + 1)]
    pages = []
    for number, uri in enumerate(uris, 1):
        start = (number - 1) * size
        chunk = rows[start : start + size]
        links = (
            tuple((n, ctx.a(uri, target, str(n))) for n, target in enumerate(uris, 1) if n != number)
            if total > 1
            else ()
        )
        pages.append(
            (uri, chunk, Pager(number, total, start + 1 if chunk else 0, start + len(chunk), len(rows), links))
        )
    return pages


def page_title(title: str, pager: Pager) -> str:
    """A page's title: the list's own on its first page, `Payments (page 2 of 6)` on the others."""
    return title if pager.number == 1 else f"{title} (page {pager.number} of {pager.total})"


def later_page_meta(pager: Pager) -> dict[str, Any]:
    """Front matter of a page after the first: out of search (its rows are on their own pages, its heading on the
    first).
    """
    return {} if pager.number == 1 else {"search": {"exclude": True}}


def numbered_pages(
    ctx: Context,
    template: str,
    base: str,
    title: str,
    rows: Sequence[T],
    *,
    source: Any,
    ref: str,
    body: Callable[[str, Sequence[T], Pager], Any],
    trends: Callable[[str], Any],
    first_page: Optional[Callable[[str], dict[str, Any]]] = None,
) -> list[GeneratedFile]:
    """A term's or team's page over numbered pages: path banners and trend charts on the first, `body` on each.

    `ref` is the page's reading-path step reference (`taxonomy/<path>`, `teams/<id>`).
    """
    files = []
    for uri, chunk, pager in paged(ctx, base, rows):
        first = pager.number == 1
        generated = ctx.page(
            template,
            uri,
            page_title(title, pager),
            source=source,
            numbered=pager.total > 1,
            banners=path_banners(ctx, uri, ref) if first else {"top": "", "bottom": ""},
            body=body(uri, chunk, pager),
            trends=trends(uri) if first else None,
            **(first_page(uri) if first and first_page is not None else {}),
        )
        generated.meta.update(later_page_meta(pager))
        files.append(generated)
    return files


def first_page(ctx: Context, page: str, items: list[T], rest: str, whose: str) -> tuple[list[T], Optional[Markup]]:
    """The first page of a long list shown elsewhere (a printed reading path), and a link to the rest when cut."""
    shown = items[:PAGE_SIZE]
    more = ctx.a(page, rest, f"all {len(items)} on the {whose} page") if len(shown) < len(items) else None
    return shown, more
