"""The site's 404 page: a search box, links to the lists, and a guess for a mistyped id.

Material's own 404 says "404 - Not found" and nothing else. A reader who
typed `incidents/INC-2024-17/` deserves better: the plugin replaces that
heading (`on_post_template`) with a short page that offers the search, the
incident and procedure lists, and, from `ids.js` (every published record's
id, title and address, written here), "Did you mean INC-2024-017: …?"
(`layout.js` makes the guess in the browser: the missing address is only
known there).

The 404 page is served at any depth, so its links are absolute from the
site's base path, as the theme's own are.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlsplit

from mkdocs_lessons.pages.common import Context, GeneratedFile

IDS_FILE = "ids.js"
THEME_HEADING = "<h1>404 - Not found</h1>"


def render_ids(ctx: Context) -> GeneratedFile:
    """`ids.js`: [id, title, site-relative URL] of every published incident, SOP and SOP version, in natural
    id order.
    """
    records: list[list[str]] = []
    for incident in ctx.kb.published_incidents:
        records.append([incident.id, " ".join(incident.title.split()), ctx.page_url(ctx.urls.incident(incident.id))])
    for sop in ctx.kb.sops.values():
        records.append([sop.id, " ".join(sop.title.split()), ctx.page_url(ctx.urls.sop(sop.id))])
    # A script, not JSON: a <script> element loads it from file:// too, where fetch is refused.
    body = (
        "window.lessonsIds = "
        + json.dumps(records, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        + ";\n"
    )
    return GeneratedFile(ctx.urls.prefix + IDS_FILE, body)


def not_found_html(site_url: str, prefix: str) -> str:
    """What replaces the theme's 404 heading: links are absolute from the site's base path."""
    base = (urlsplit(site_url or "").path or "/").rstrip("/") + "/" + prefix
    # The header's box answers `?q=` on any page, whichever engine is behind it (adapter/header_search.py).
    search_action = base
    href = lambda path: escape(base + path, quote=True)  # noqa: E731
    return f"""<h1>Page not found</h1>
<div class="lessons-notfound" data-lessons-notfound data-lessons-ids="{href(IDS_FILE)}" \
data-lessons-base="{escape(base, quote=True)}">
<p>There is no page at this address. It may have moved, or the address may be mistyped.</p>
<p class="lessons-notfound__guess" hidden></p>
<form class="lessons-notfound__search" role="search" action="{escape(search_action, quote=True)}" method="get">
<label for="lessons-notfound-q">Search the knowledge base</label>
<input id="lessons-notfound-q" type="search" name="q" autocomplete="off">
<button type="submit" class="md-button md-button--primary">Search</button>
</form>
<p>Or browse: <a href="{href("")}">the home page</a> · <a href="{href("incidents/")}">all incidents</a> · \
<a href="{href("sops/")}">procedures</a> · <a href="{href("paths/")}">onboarding paths</a>.</p>
</div>"""


def replace_heading(output: str, html: str) -> str:
    """The theme's 404 output with its bare heading replaced by `html` (unchanged when the theme has no such
    heading).
    """
    return output.replace(THEME_HEADING, html, 1)
