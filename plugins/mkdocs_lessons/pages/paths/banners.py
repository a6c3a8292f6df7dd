"""The "Step k of n" banners on the pages that are steps of reading paths.

Onboarding context is for readers on a path. A page that is a step gets one
quiet line offering its paths ("On the reading path New engineer, step 2 of
8"), shown to everyone, and one banner per path, rendered at build time and
all `hidden`. `paths.js` shows the banner of the path the reader is on: the
one they came from (`?path=<id>` on the URL, which every step link carries,
or the referrer), else one they have started (a step marked as read, from
the progress store); the quiet line then goes. A reader who came from
search, or has no JavaScript, sees only the line.

The banner sits right under the page title; a short footer with the same
step, the read box and previous/next closes the page, where reading ends.
"""

from __future__ import annotations

from typing import Optional

from markupsafe import Markup

from mkdocs_lessons.pages.common import Context
from mkdocs_lessons.pages.paths.steps import StepView, fmt_minutes, root_url, step_views
from mkdocs_lessons.records.model import natural_key


def path_banners(ctx: Context, page: str, ref: str) -> dict[str, Markup]:
    """The banners (`top`, under the title) and footers (`bottom`) of every path `ref` is a step of, as HTML."""
    visits = _visits(ctx, ref)
    if not visits:
        return {"top": Markup(""), "bottom": Markup("")}
    top = Markup("\n").join([_offer(ctx, page, visits)] + [_banner(ctx, page, view, visits) for view in visits])
    bottom = Markup("\n").join(_footer(ctx, page, view) for view in visits)
    return {"top": top, "bottom": bottom}


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


def _offer(ctx: Context, page: str, visits: list[StepView]) -> Markup:
    """The one quiet line every reader sees: which paths this page is a step of."""
    parts = [Markup("{} (step {} of {})").format(_path_a(ctx, page, view), view.number, view.total) for view in visits]
    noun = "reading path" if len(parts) == 1 else "reading paths"
    return Markup(
        '<p class="lessons-path-offer" data-lessons-offer data-search-exclude="true" data-pagefind-ignore="all">On '
        "the {} {}.</p>"
    ).format(noun, Markup(" and ").join(parts))


def _attrs(ctx: Context, page: str, view: StepView, label: str) -> Markup:
    reading_path = view.path
    attrs = Markup(
        'data-lessons-banner="{}" data-lessons-root="{}" data-lessons-path-url="{}" '
        # Not search results: the banner repeats on every step page.
        'data-search-exclude="true" data-pagefind-ignore="all" aria-label="{}: {}"'
    ).format(
        reading_path.id,
        root_url(ctx, page),
        ctx.href(page, ctx.urls.path(reading_path.id)),
        label,
        " ".join(reading_path.title.split()),
    )
    # Which steps make the path: a reader who marked one of them as read has started it (paths.js).
    keys = " ".join(sorted({v.key for v in step_views(ctx, reading_path) if v.target is not None}))
    return attrs + Markup(' data-lessons-steps="{}" hidden="hidden"').format(keys)


def _path_a(ctx: Context, page: str, view: StepView) -> Markup:
    return ctx.a(page, ctx.urls.path(view.path.id), view.path.title)


def _where(ctx: Context, page: str, view: StepView) -> Markup:
    minutes = (
        Markup(' <span class="lessons-path-banner__time">· about {} to read</span>').format(fmt_minutes(view.minutes))
        if view.minutes
        else ""
    )
    return Markup("<strong>Step {} of {}</strong> in {}{}").format(
        view.number, view.total, _path_a(ctx, page, view), minutes
    )


def _step_a(ctx: Context, page: str, view: StepView, label: str, end: str) -> Markup:
    """A link to a step's page that tells it which path the reader is on (`?path=`)."""
    assert view.target is not None
    return ctx.a(page, view.target, label, f"path={view.path.id}", class_=f"lessons-path-banner__{end}", rel=end)


def _moves(ctx: Context, page: str, view: StepView) -> Markup:
    views = step_views(ctx, view.path)
    previous, following = _neighbour(views, view.index, -1), _neighbour(views, view.index, +1)
    path_page = ctx.urls.path(view.path.id)
    if previous is not None:
        back = _step_a(ctx, page, previous, f"← Previous: {previous.title}", "prev")
    else:
        back = ctx.a(page, path_page, "← All steps", class_="lessons-path-banner__prev")
    if following is not None:
        forward = _step_a(ctx, page, following, f"Next: {following.title} →", "next")
    else:
        forward = ctx.a(page, path_page, "Last step: back to the path →", class_="lessons-path-banner__next")
    return back + Markup(" ") + forward


def _read_box(view: StepView) -> Markup:
    # Hidden until paths.js can keep the answer (it needs the browser's storage).
    return Markup(
        '<label class="lessons-read" hidden="hidden"><input type="checkbox" data-lessons-read="{}"> Mark as '
        "read</label>"
    ).format(view.key)


def _banner(ctx: Context, page: str, view: StepView, visits: list[StepView]) -> Markup:
    others = [
        Markup("step {} of {} in {}").format(other.number, other.total, _path_a(ctx, page, other))
        for other in visits
        if other.path.id != view.path.id
    ]
    parts = [
        Markup('<nav class="lessons-path-banner" {}>').format(_attrs(ctx, page, view, "Reading path")),
        Markup('<p class="lessons-path-banner__where">{}</p>').format(_where(ctx, page, view)),
        Markup('<p class="lessons-path-banner__moves">{}</p>').format(_moves(ctx, page, view)),
        Markup('<p class="lessons-path-banner__tools">{}</p>').format(_read_box(view)),
    ]
    if others:
        parts.append(Markup('<p class="lessons-path-banner__also">Also {}.</p>').format(Markup("; ").join(others)))
    parts.append(Markup("</nav>"))
    return Markup("\n").join(parts)


def _footer(ctx: Context, page: str, view: StepView) -> Markup:
    return Markup("\n").join(
        [
            Markup('<nav class="lessons-path-banner lessons-path-banner--end" {}>').format(
                _attrs(ctx, page, view, "End of step, reading path")
            ),
            Markup('<p class="lessons-path-banner__where">End of step {} of {} in {}</p>').format(
                view.number, view.total, _path_a(ctx, page, view)
            ),
            Markup('<p class="lessons-path-banner__tools">{}</p>').format(_read_box(view)),
            Markup('<p class="lessons-path-banner__moves">{}</p>').format(_moves(ctx, page, view)),
            Markup("</nav>"),
        ]
    )
