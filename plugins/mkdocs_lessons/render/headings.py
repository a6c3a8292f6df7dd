"""Heading ids and the table of contents of a rendered page.

Generated pages are HTML from templates, so Python-Markdown's `toc`
extension never sees them. This module gives them what it would have:
every heading an id (the same slugs, so `#action-items` links keep
working), unique within the page, and the nested list of headings that
MkDocs turns into the page's table of contents. Permalinks (the `¶` after
a heading) are the adapter's choice: it knows the site's `toc` settings.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Optional, TypedDict

from markdown.extensions.toc import slugify, unique

# Only our templates and Python-Markdown write these headings, one per
# element and never nested, so a regular expression is enough.
_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
_ID = re.compile(r'\sid="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
_ANY_ID = re.compile(r'\sid="([^"]*)"')


class TocToken(TypedDict):
    """A heading as Python-Markdown's `toc_tokens` give it (what MkDocs' `get_toc` reads)."""

    level: int
    id: str
    name: str
    children: list[TocToken]


@dataclass
class Heading:
    level: int
    id: str
    name: str  # the heading's text as HTML (what MkDocs' toc shows)
    children: list["Heading"] = field(default_factory=list)

    def token(self) -> TocToken:
        """The shape of Python-Markdown's `toc_tokens` (MkDocs' `get_toc` reads it)."""
        return {"level": self.level, "id": self.id, "name": self.name, "children": [c.token() for c in self.children]}


@dataclass
class Anchored:
    html: str
    toc: list[Heading]
    ids: set[str]  # every id on the page (for MkDocs' anchor validation)


def anchor_headings(body: str, *, permalink: Optional[str] = None, permalink_title: str = "Permanent link") -> Anchored:
    """`body` with an id on every heading (and a permalink when asked), and its table of contents."""
    used: set[str] = set(_ANY_ID.findall(body))
    flat: list[Heading] = []

    def replace(match: re.Match[str]) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        found = _ID.search(attrs)
        if found:
            ident = html.unescape(found.group(1))
        else:
            ident = unique(slugify(html.unescape(_TAG.sub("", inner)), "-") or "section", used)
            attrs = f' id="{html.escape(ident, quote=True)}"' + attrs
        name = inner.strip()
        flat.append(Heading(level, ident, name))
        if permalink is not None:
            inner = (
                f'{inner}<a class="headerlink" href="#{html.escape(ident, quote=True)}" '
                f'title="{html.escape(permalink_title, quote=True)}">{permalink}</a>'
            )
        return f"<h{level}{attrs}>{inner}</h{level}>"

    out = _HEADING.sub(replace, body) if "<h" in body else body
    return Anchored(out, _nest(flat), used | {h.id for h in flat})


def _nest(flat: list[Heading]) -> list[Heading]:
    """Headings as a tree, each under the nearest earlier heading of a higher level."""
    roots: list[Heading] = []
    stack: list[Heading] = []
    for heading in flat:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(heading)
        stack.append(heading)
    return roots
