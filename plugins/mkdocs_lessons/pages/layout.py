"""Where a generated page sits and how wide it is: its breadcrumb and its layout.

Every generated page but the home page opens with a breadcrumb (Home ›
section › parent record › this page), so a reader who lands on a record
from search sees where it belongs and has a way back to its list;
`layout.js` marks the section's tab active from it (records are not in the
navigation, so the theme marks none).

Material's left sidebar is empty on these pages (the navigation is in the
tabs): every generated page hides it. Pages of tables and lists hide the
table of contents too and take the wide layout (`lessons.css`,
`.lessons-crumbs--wide`); record pages keep their table of contents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from markupsafe import Markup

if TYPE_CHECKING:
    from mkdocs_lessons.pages.common import Context

# Templates of one record: they keep the table of contents beside the text.
RECORD_TEMPLATES = frozenset(
    {"incident.html", "sop.html", "sop_version.html", "term.html", "team.html", "path.html", "path_print.html"}
)

# The first folder of a page -> the label of its list (as in the navigation) and that list's page.
SECTIONS: dict[str, tuple[str, str]] = {
    "incidents": ("Incidents", "incidents"),
    "sops": ("Procedures", "sops"),
    "taxonomy": ("Taxonomy", "taxonomy"),
    "teams": ("Teams", "teams"),
    "paths": ("Onboarding", "paths"),
    "actions": ("Action items", "actions"),
    "dashboard": ("Dashboard", "dashboard"),
    "lessons": ("Lessons", "lessons"),
    "search": ("Search", "search"),
}


def page_meta(template: str) -> dict[str, Any]:
    """The theme's front matter for a page from `template`: no empty navigation sidebar; no contents beside tables."""
    return {"hide": ["navigation"] if template in RECORD_TEMPLATES else ["navigation", "toc"]}


def crumbs(ctx: "Context", page: str, title: str, template: str) -> Markup:
    """The breadcrumb of `page` as HTML, or nothing on the home page."""
    relative = page[len(ctx.urls.prefix) :] if page.startswith(ctx.urls.prefix) else page
    if page == ctx.urls.home or "/" not in relative:
        return Markup("")
    folder, rest = relative.split("/", 1)
    section = SECTIONS.get(folder)
    if section is None:
        return Markup("")
    label, _ = section
    index = getattr(ctx.urls, section[1])
    trail: list[tuple[str, Optional[str]]] = [("Home", ctx.urls.home)]
    if page != index:
        trail.append((label, index))
        trail += _parents(ctx, folder, rest)
    # The current page: plain text, the reader is here.
    trail.append((_short(title), None))
    wide = "" if template in RECORD_TEMPLATES else " lessons-crumbs--wide"
    items = Markup("").join(
        Markup("<li>{}</li>").format(ctx.a(page, target, name))
        if target
        else Markup('<li aria-current="page">{}</li>').format(name)
        for name, target in trail
    )
    return Markup(
        '<nav class="lessons-crumbs{}" aria-label="Breadcrumb" data-search-exclude="true" '
        'data-pagefind-ignore="all"><ol>{}</ol></nav>\n'
    ).format(wide, items)


def _parents(ctx: "Context", folder: str, rest: str) -> list[tuple[str, Optional[str]]]:
    """Records between the section's list and the page: an SOP above its versions, a term above its narrower ones, a
    path above its print.
    """
    parts = rest.split("/")
    if folder == "sops" and len(parts) == 2 and parts[1] != "index.md":
        return [(parts[0], ctx.urls.sop(parts[0]))]
    if folder == "paths" and len(parts) == 2 and parts[1] == "print.md" and parts[0] in ctx.kb.paths:
        return [(ctx.kb.paths[parts[0]].title, ctx.urls.path(parts[0]))]
    if folder == "taxonomy" and len(parts) > 2:
        out: list[tuple[str, Optional[str]]] = []
        for depth in range(1, len(parts) - 1):
            path = "/".join(parts[:depth])
            term = ctx.kb.taxonomy.terms.get(path)
            if term is not None:
                out.append((term.title, ctx.urls.term(path)))
        return out
    if folder == "actions" and parts[0] in ("owner", "team", "closed") and rest != "index.md":
        return []
    return []


def _short(title: str) -> str:
    """A record page's crumb: its id when the title starts with one ("INC-2024-017: Checkout…" -> "INC-2024-017")."""
    head, sep, _ = title.partition(": ")
    return head if sep and len(head) <= 24 else title
