"""What Pagefind reads: each page of a `mkdocs build` cut to what it indexes.

Pagefind parses every HTML file of the folder it is given, in full. When any
page carries `data-pagefind-body`, it keeps only the pages that do, and from
each only the marked element's text plus, from anywhere in the page, the
first `<h1>` (a result's title), `<title>` (the title's fallback) and every
`data-pagefind-filter`, `-meta` and `-sort` attribute. So most of what it
parses is thrown away: the theme's header, navigation and footer are about
half of a record page's bytes. At 10,000 incidents Pagefind took 40 s on the
cut pages against 49 and 53 s on the site, on a busy machine; in the benchmark
its run went from 37.8 to 33.1 s (benchmarks/README.md).

So as MkDocs writes each page (plugin.py, the last `on_post_page`, in both
processes of a split page loop) the page goes into a folder of our own, cut:
everything up to the end of its `<body>` tag (the head, the `lang` Pagefind
reads), then the `<article data-pagefind-body>` the plugin marked, and none
of the chrome. A page whose chrome holds an `<h1>` or a `data-pagefind-`
attribute (a site's own template override), a page marked some other way, or
one whose article's end cannot be told for sure is copied whole; a page with
no mark is left out, as Pagefind would leave it. The site's other HTML files
(the 404 page, HTML a site ships as is) are added from the site once it is
written; if no page is marked at all, Pagefind reads the site itself.
`tests/test_pagefind.py` holds the index made from the cut pages to the one
made from the site, byte for byte.

Under `mkdocs serve` the index is made in the background from the site as it
stands (adapter/serve_search.py): a rebuild writes only the pages it changed.
No MkDocs imports here.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Optional

#: The mark the plugin puts on Material's content area (plugin.py `on_post_page`).
ARTICLE = "<article data-pagefind-body"

#: A page Pagefind indexes at all.
MARK = re.compile(r"data-pagefind-body", re.I)

#: What the chrome must not hold for a page to be cut: Pagefind reads these from anywhere in a page.
READ_ANYWHERE = re.compile(r"data-pagefind-|<h1\b", re.I)

#: The article's end found as an HTML parser finds it: comments and raw-text elements hide tags, and an unclosed
#: comment runs to the end of the page (then no end is found, and the page is copied whole).
_HIDDEN = r"<!--.*?(?:-->|\Z)|<(script|style|textarea|title|xmp)\b.*?</\1\s*>"
_TOKENS = re.compile(_HIDDEN + r"|<(/?)article\b", re.S | re.I)
_BODY = re.compile(_HIDDEN + r"|<body\b[^>]*>", re.S | re.I)


def cut(page: str) -> Optional[str]:
    """What Pagefind needs of one page: None if it indexes nothing of it, else the page cut, or whole."""
    if not MARK.search(page):
        return None
    start = page.find(ARTICLE)
    body = _body_end(page)
    if start < 0 or body < 0 or body > start:
        return page
    end = _article_end(page, start)
    if end < 0 or READ_ANYWHERE.search(page, body, start) or READ_ANYWHERE.search(page, end):
        return page
    return page[:body] + page[start:end] + "</body></html>\n"


def _body_end(page: str) -> int:
    """Just after the `<body ...>` tag (not one in a script or comment of the head), or -1."""
    for token in _BODY.finditer(page):
        if token.group(0)[:5].lower() == "<body":
            return token.end()
    return -1


def _article_end(page: str, start: int) -> int:
    """Where the article opened at `start` closes (just after its `</article ...>`), or -1."""
    depth = 0
    for token in _TOKENS.finditer(page, start):
        if token.group(2) is None:
            continue  # a comment or a raw-text element
        depth += -1 if token.group(2) else 1
        if depth == 0:
            close = page.find(">", token.end())
            return -1 if close < 0 else close + 1
    return -1


def html_files(site_dir: Path) -> Iterator[str]:
    """Every HTML file under `site_dir`, as a `/`-separated path relative to it, in a fixed order: what Pagefind
    reads of a site (its default glob), here and in the serve index's digest (adapter/serve_search.py)."""
    for folder, folders, files in os.walk(site_dir):
        folders.sort()
        relative = Path(folder).relative_to(site_dir)
        for name in sorted(files):
            if name.endswith(".html"):
                yield (relative / name).as_posix()


class IndexInput:
    """The cut pages of one `mkdocs build`, in a folder of their own (removed by `close`)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="mkdocs-lessons-index-"))

    def add(self, dest_path: str, page: str) -> None:
        """A page as MkDocs writes it to `dest_path` (relative to the site)."""
        needed = cut(page)
        if needed is not None:
            try:
                # Encoded as MkDocs encodes the page it writes (`_build_page`).
                self._write(dest_path, needed.encode("utf-8", "xmlcharrefreplace"))
            except OSError:
                pass  # a full temporary folder fails no build: `source` cuts the page from the site instead

    def source(self, site_dir: Path) -> Path:
        """The folder Pagefind reads: the cut pages, with the site's HTML files that did not come through `add`;
        the site itself when nothing in it is marked."""
        written = False
        for relative in html_files(site_dir):
            if (self.folder / relative).is_file():
                written = True
                continue
            # Its bytes kept as they are: a file a site ships need not be UTF-8.
            needed = cut((site_dir / relative).read_bytes().decode("utf-8", "surrogateescape"))
            if needed is not None:
                try:
                    self._write(relative, needed.encode("utf-8", "surrogateescape"))
                except OSError:
                    return site_dir  # no room for the cut pages: Pagefind reads the site, as it can
                written = True
        return self.folder if written else site_dir

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write(self, relative: str, page: bytes) -> None:
        target = self.folder / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page)
        except OSError:
            target.unlink(missing_ok=True)  # never a page cut short: one missing is cut again from the site
            raise
