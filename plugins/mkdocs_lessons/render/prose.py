"""Record text that is Markdown by contract (summary, context, lessons...), as HTML.

Only this text goes through Python-Markdown: generated pages are templates.
Each distinct text is converted once and kept, so the same summary on the
incident page, the index, a term page and a printed path costs one
conversion, and under `mkdocs serve` an unchanged text is never converted
again. The text is first made safe by `text.markdown` (raw HTML shown as
text unless `allow_html`, inert attribute lists, no `javascript:` links).

Relative links in record text are resolved the way MkDocs resolves them in
a Markdown page: against the page that shows the text. A `.md` target
becomes the URL of that page, anything else a path relative to the page's
address. Texts with such links are kept per page folder; the rest once.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Callable

import markdown
from markupsafe import Markup

from mkdocs_lessons import text

#: Markdown extensions record text and the generated pages rely on; the
#: MkDocs adapter adds them when a site lacks them, `lessons generate` lists them.
REQUIRED_EXTENSIONS: tuple[str, ...] = ("tables", "attr_list", "md_in_html", "admonition", "pymdownx.tasklist")
#: Options the pages expect of those extensions (the "Read" and checklist boxes).
EXTENSION_OPTIONS: dict[str, dict[str, Any]] = {"pymdownx.tasklist": {"custom_checkbox": True}}

# Markdown's `toc` would give headings in record text ids that clash with
# the page's own; snippets could include files from the build machine.
_NEVER = ("toc", "markdown.extensions.toc", "pymdownx.snippets")
_RELATIVE = re.compile(r'(?P<attr>\s(?:href|src))="(?P<url>(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/|")[^"]*)"')
_PARAGRAPH = re.compile(r"\A<p>(.*)</p>\Z", re.S)


class Prose:
    """Converts record Markdown with one set of extensions; keeps every result."""

    def __init__(self, extensions: list[Any], configs: dict[str, Any], *, allow_html: bool = False) -> None:
        kept = [e for e in extensions if not (isinstance(e, str) and e in _NEVER)]
        self._md = markdown.Markdown(
            extensions=kept, extension_configs={k: v for k, v in configs.items() if k not in _NEVER}
        )
        self.allow_html = allow_html
        # What its output is made of besides the text: the site key of kept renders (reads.py).
        self.fingerprint = repr((kept, sorted((k, v) for k, v in configs.items() if k not in _NEVER), allow_html))
        self._blocks: dict[str, str] = {}
        self._lines: dict[str, str] = {}

    def block(self, value: object, page: str, href: Callable[[str], str]) -> Markup:
        """A Markdown field as block HTML (paragraphs, lists, code), for the page `page` (a src_uri)."""
        source = str(value)
        html = self._blocks.get(source)
        if html is None:
            html = self._blocks[source] = self._convert(text.markdown(source, allow_html=self.allow_html))
        return Markup(_resolve(html, page, href))

    def line(self, value: object, page: str, href: Callable[[str], str]) -> Markup:
        """A Markdown field squeezed onto one line, as inline HTML (table cells, list items)."""
        source = str(value)
        html = self._lines.get(source)
        if html is None:
            converted = self._convert(text.markdown(" ".join(source.split()), allow_html=self.allow_html))
            single = _PARAGRAPH.match(converted)
            html = self._lines[source] = single.group(1) if single and "<p>" not in single.group(1) else converted
        return Markup(_resolve(html, page, href))

    def _convert(self, source: str) -> str:
        self._md.reset()
        return self._md.convert(source)


def _resolve(html: str, page: str, href: Callable[[str], str]) -> str:
    """Relative `href`/`src` targets as MkDocs would rewrite them on `page`."""
    if ' href="' not in html and ' src="' not in html:
        return html
    return _RELATIVE.sub(lambda m: f'{m.group("attr")}="{_rewrite(m.group("url"), page, href)}"', html)


def _rewrite(url: str, page: str, href: Callable[[str], str]) -> str:
    """One target, resolved against `page`'s source path; `href` gives the final link to a source path."""
    path, hashed, fragment = url.partition("#")
    path, asked, query = path.partition("?")
    suffix = (f"?{query}" if asked else "") + (f"#{fragment}" if hashed else "")
    if not path:
        return url
    return href(posixpath.normpath(posixpath.join(posixpath.dirname(page), path))) + suffix
