"""A rendered page as a Markdown file, for builders that cannot run the plugin.

`lessons generate` writes Markdown files that Zensical, or MkDocs without
the plugin, build themselves. A rendered page is HTML; as Markdown it
stays HTML, block by block, except its headings: they become Markdown
headings with their ids (`## Action items {#action-items}`), so the
builder still finds the page's title, makes its table of contents and
adds its permalinks. The page's front matter (a search boost) leads.
"""

from __future__ import annotations

import html
import re
from typing import Any

import yaml

from mkdocs_lessons import text

# Headings start a line in every template (and in Python-Markdown's output).
_HEADING = re.compile(r'^<h([1-6])(?: id="([^"]*)")?([^>]*)>(.*?)</h\1>\s*$', re.M)
_CLASS = re.compile(r'\sclass="([^"]*)"')
_TAG = re.compile(r"(<[^>]+>)")


def markdown_file(body: str, meta: dict[str, Any]) -> str:
    """The Markdown text of a rendered page: front matter, then HTML blocks and Markdown headings."""
    out = _HEADING.sub(_heading, body)
    if meta:
        front = yaml.safe_dump(meta, sort_keys=True, default_flow_style=False, allow_unicode=True)
        out = f"---\n{front}---\n\n{out}"
    return out


def _heading(match: re.Match[str]) -> str:
    level, ident, rest, inner = int(match.group(1)), match.group(2), match.group(3), match.group(4)
    # Tags stay as inline HTML; text between them is made Markdown-safe.
    parts = [part if part.startswith("<") else _heading_text(part) for part in _TAG.split(inner) if part]
    # The id, and classes that stylesheets select (a printed path's `h2.lessons-print-step`), as an attribute list.
    found = _CLASS.search(rest)
    names = [f"#{ident}"] if ident else []
    names += [f".{name}" for name in found.group(1).split()] if found else []
    attrs = f" {{{' '.join(names)}}}" if names else ""
    return f"\n{'#' * level} {''.join(parts).strip()}{attrs}\n"


def _heading_text(part: str) -> str:
    """Text between a heading's tags, Markdown-safe, keeping the spaces that part it from the tags (`<em>No owner</em> ·
    2`).
    """
    value = text.inline(html.unescape(part))
    lead = " " if part[:1].isspace() else ""
    trail = " " if part[-1:].isspace() and value else ""
    return lead + value + trail
