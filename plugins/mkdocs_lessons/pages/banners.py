"""The "Step k of n" banners on the pages that are steps of reading paths.

A page that is a step gets one banner per path it belongs to, rendered at
build time: the first is shown, the others carry `hidden` and are listed
in the shown one ("Also step 1 of 4 in Essentials"). Without JavaScript the
first banner works as it is (plain previous/next links). `paths.js` shows the
banner of the path the reader came from (`?path=<id>` on the URL, which every
step link carries, or the referrer) and fills in the "mark as read" boxes.

The banner sits right under the page title; a short footer with the same
step, the read box and previous/next closes the page, where reading ends.
"""

from __future__ import annotations

from typing import Optional

from .. import text
from ..model import natural_key
from .common import Context
from .steps import StepView, fmt_minutes, root_url, step_link, step_views


def with_path_banners(ctx: Context, page: str, ref: str, body: str) -> str:
    """`body` (a page's Markdown, title first) with the banners of every path `ref` is a step of."""
    visits = _visits(ctx, ref)
    if not visits:
        return body
    top = "\n\n".join(_banner(ctx, page, view, visits, shown=i == 0) for i, view in enumerate(visits))
    bottom = "\n\n".join(_footer(ctx, page, view, shown=i == 0) for i, view in enumerate(visits))
    lines = body.split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    head, rest = "\n".join(lines[:at]).rstrip("\n"), "\n".join(lines[at:]).strip("\n")
    return "\n\n".join(part for part in (head, top, rest, bottom) if part) + "\n"


def _visits(ctx: Context, ref: str) -> list[StepView]:
    """One step per path (its first visit of this page): curated paths first, then by id."""
    seen: dict[str, StepView] = {}
    for visit in ctx.graph.path_visits.get(ref, []):
        reading_path = ctx.kb.paths.get(visit.path_id)
        if reading_path is None or visit.path_id in seen:
            continue
        seen[visit.path_id] = step_views(ctx, reading_path)[visit.index]
    return sorted(seen.values(), key=lambda v: (v.path.generated, natural_key(v.path.id)))


def _neighbour(views: list[StepView], index: int, direction: int) -> Optional[StepView]:
    """The nearest step before or after `index` that has a page (drafts are skipped)."""
    index += direction
    while 0 <= index < len(views):
        if views[index].target is not None:
            return views[index]
        index += direction
    return None


def _attrs(ctx: Context, page: str, view: StepView, shown: bool) -> str:
    reading_path = view.path
    attrs = (
        f'data-lessons-banner="{text.attr(reading_path.id)}" '
        f'data-lessons-root="{text.attr(root_url(ctx, page))}" '
        f'data-lessons-path-url="{text.attr(ctx.href(page, ctx.urls.path(reading_path.id)))}" '
        # Not search results: the banner repeats on every step page.
        'data-search-exclude="true" data-pagefind-ignore="all" '
        f'aria-label="Reading path: {text.attr(reading_path.title)}"'
    )
    return attrs if shown else attrs + ' hidden="hidden"'


def _where(ctx: Context, page: str, view: StepView) -> str:
    path_link = ctx.link(page, ctx.urls.path(view.path.id), text.inline(view.path.title))
    minutes = f' <span class="lessons-path-banner__time">· about {fmt_minutes(view.minutes)} to read</span>' if view.minutes else ""
    return f"**Step {view.number} of {view.total}** in {path_link}{minutes}"


def _moves(ctx: Context, page: str, view: StepView) -> str:
    views = step_views(ctx, view.path)
    previous, following = _neighbour(views, view.index, -1), _neighbour(views, view.index, +1)
    path_page = ctx.urls.path(view.path.id)
    if previous is not None:
        back = step_link(ctx, page, previous, f"← Previous: {text.inline(previous.title)}", attrs='.lessons-path-banner__prev rel="prev"')
    else:
        back = ctx.link(page, path_page, "← All steps") + "{ .lessons-path-banner__prev }"
    if following is not None:
        forward = step_link(ctx, page, following, f"Next: {text.inline(following.title)} →", attrs='.lessons-path-banner__next rel="next"')
    else:
        forward = ctx.link(page, path_page, "Last step: back to the path →") + "{ .lessons-path-banner__next }"
    return f"{back} {forward}"


def _read_box(view: StepView) -> str:
    # Hidden until paths.js can keep the answer (it needs the browser's storage).
    return (
        f'<label class="lessons-read" hidden="hidden"><input type="checkbox" data-lessons-read="{text.attr(view.key)}"> '
        "Mark as read</label>"
    )


def _banner(ctx: Context, page: str, view: StepView, visits: list[StepView], *, shown: bool) -> str:
    others = [
        f"step {other.number} of {other.total} in " + ctx.link(page, ctx.urls.path(other.path.id), text.inline(other.path.title))
        for other in visits
        if other.path.id != view.path.id
    ]
    parts = [
        f'<nav class="lessons-path-banner" {_attrs(ctx, page, view, shown)} markdown>',
        f'<p class="lessons-path-banner__where" markdown>{_where(ctx, page, view)}</p>',
        f'<p class="lessons-path-banner__moves" markdown>{_moves(ctx, page, view)}</p>',
        f'<p class="lessons-path-banner__tools">{_read_box(view)}</p>',
    ]
    if others:
        parts.append(f'<p class="lessons-path-banner__also" markdown>Also {"; ".join(others)}.</p>')
    parts.append("</nav>")
    return "\n".join(parts)


def _footer(ctx: Context, page: str, view: StepView, *, shown: bool) -> str:
    return "\n".join(
        [
            f'<nav class="lessons-path-banner lessons-path-banner--end" {_attrs(ctx, page, view, shown)} markdown>',
            f'<p class="lessons-path-banner__where" markdown>End of step {view.number} of {view.total} in '
            f"{ctx.link(page, ctx.urls.path(view.path.id), text.inline(view.path.title))}</p>",
            f'<p class="lessons-path-banner__tools">{_read_box(view)}</p>',
            f'<p class="lessons-path-banner__moves" markdown>{_moves(ctx, page, view)}</p>',
            "</nav>",
        ]
    )
