"""Put record text safely into generated Markdown and HTML.

Three kinds of text come from records:

- plain text (titles, names, ids) placed in links, tables and headings:
  `inline()` escapes it for HTML *and* Markdown, so `|`, `[`, `*` or `<` in
  a title cannot break a table, start a link or inject markup;
- attribute values in the few raw HTML elements we write: `attr()`;
- Markdown fields (summary, context, lessons...): `markdown()` keeps the
  Markdown but neutralises raw HTML, attribute lists (`{: onclick=...}`),
  snippet includes and `javascript:`/`data:`/`vbscript:` links. Code spans
  and fenced blocks are left exactly as written.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

# Backslash escapes Python-Markdown knows (plus `|`, added by `tables`); the
# marks of pymdownx's tilde, caret and mark extensions become entities.
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|-])")
_INLINE_ENTITIES = {"~": "&#126;", "^": "&#94;", "=": "&#61;"}
_CODE = re.compile(
    (
        r"(?P<fence>^[ \t]*(?P<mark>`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*(?P=mark)[ \t]*$|\Z))|"
        r"(?P<span>(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))"
    ),
    re.M | re.S,
)
_LINK_TARGET = re.compile(r"(\]\(\s*<?)([^)\n]*)")
_LINK_DEFINITION = re.compile(r"^(\s{0,3}\[[^\]\n]+\]:\s*<?)(\S*)", re.M)
_UNSAFE_SCHEME = re.compile(r"^(?:javascript|vbscript|data|file):", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def inline(text: object) -> str:
    """Plain text for an inline Markdown context (link text, table cell, heading)."""
    # Ids, titles and names recur on many pages: escape each once.
    return _inline(text) if isinstance(text, str) else _inline(str(text))


@lru_cache(maxsize=1 << 16)
def _inline(text: str) -> str:
    value = " ".join(text.split())
    value = html.escape(value, quote=False)
    value = _INLINE_SPECIAL.sub(r"\\\1", value)
    for char, entity in _INLINE_ENTITIES.items():
        value = value.replace(char, entity)
    return value


def attr(text: object) -> str:
    """A value for an HTML attribute, quoted with double quotes."""
    return html.escape(" ".join(str(text).split()), quote=True)


def is_safe_url(url: str) -> bool:
    return not _UNSAFE_SCHEME.match(_INVISIBLE.sub("", html.unescape(url)))


def _clean_links(segment: str) -> str:
    def target(match: re.Match[str]) -> str:
        return match.group(1) + (match.group(2) if is_safe_url(match.group(2)) else "#")

    segment = _LINK_TARGET.sub(target, segment)
    return _LINK_DEFINITION.sub(target, segment)


def _neutralise(segment: str, allow_html: bool) -> str:
    if not allow_html:
        segment = segment.replace("<", "&lt;")
    # `{: ...}` attribute lists could set event handlers; `{` escaped is inert.
    segment = segment.replace("{", "\\{")
    return _clean_links(segment)


# Without these characters a text has no raw HTML, attribute list, link
# target or CRLF: every step of `markdown()` leaves it as it is (code is kept
# as written anyway). Most record prose is like that.
_NOTHING_TO_NEUTRALISE = re.compile(r"[<{\]\r]")


def markdown(text: object, *, allow_html: bool = False) -> str:
    """A Markdown field from a record, safe to place into a generated page."""
    source = str(text)
    if _NOTHING_TO_NEUTRALISE.search(source) is None:
        return source.strip("\n")  # what the full pass below gives, at a scan's cost
    return _markdown(source, allow_html)


def _markdown(source: str, allow_html: bool) -> str:
    source = source.replace("\r\n", "\n").strip("\n")
    out: list[str] = []
    last = 0
    for match in _CODE.finditer(source):
        out.append(_neutralise(source[last : match.start()], allow_html))
        out.append(match.group(0))
        last = match.end()
    out.append(_neutralise(source[last:], allow_html))
    return "".join(out)
