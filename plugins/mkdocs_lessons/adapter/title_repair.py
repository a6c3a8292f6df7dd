"""Repairs for places where the theme turns escaped record text back into markup.

Material writes a page's `<title>` as `{{ page.title | striptags }}`. MkDocs
takes `page.title` from the first heading as *escaped* HTML text, and Jinja's
`striptags` strips tags and then *unescapes* entities, so a record title such
as `</title><script>...</script>` (shown as text everywhere else) would close
the `<title>` element and run. The generated Markdown cannot prevent this
(any escaping we add is undone), so the rendered page is repaired instead:
the exact string the template wrote is replaced by the same text, escaped.

Pure string functions; the MkDocs adapter calls them from `on_post_page`.
"""

from __future__ import annotations

import html

from markupsafe import Markup

_SPECIAL = frozenset("<>&")


def head_title(output: str, page_title: str, site_name: str) -> str:
    """Re-escape the `<title>` Material wrote from `page_title` (MkDocs' escaped heading text)."""
    if _SPECIAL.isdisjoint(page_title) and _SPECIAL.isdisjoint(site_name):
        # No tag, entity or bracket (most titles): `striptags` only folds spaces
        # and escaping changes nothing, so the template's title is already safe.
        return output
    return _repair_title(output, page_title, site_name)


def _repair_title(output: str, page_title: str, site_name: str) -> str:
    text = Markup(page_title).striptags()  # what the template printed, unescaped
    written = f"<title>{text} - {site_name}</title>"
    safe = f"<title>{html.escape(text, quote=False)} - {html.escape(site_name, quote=False)}</title>"
    if safe == written or written not in output:
        # Nothing to escape (most titles: no search through the page), another
        # theme, or a page with a `title` in its front matter.
        return output
    return output.replace(written, safe, 1)
