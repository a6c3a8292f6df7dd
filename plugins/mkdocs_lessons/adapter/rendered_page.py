"""MkDocs pages whose HTML the plugin already rendered from a template.

MkDocs makes every documentation page by converting its Markdown
(`Page.render`). A generated page is HTML already, so `RenderedPage` hands
MkDocs that HTML, with the table of contents, heading ids (for MkDocs'
anchor checks) and front matter, and skips Python-Markdown: at 1,000
incidents that conversion was most of the build. Everything after it
(the theme's template, search, other plugins' page hooks) is unchanged.
The pattern is Material's blog plugin's: a `Page` subclass made in
`on_files`, which MkDocs' navigation then uses as the file's page.
"""

from __future__ import annotations

from typing import Any, Optional

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from mkdocs_lessons.render.headings import Anchored, anchor_headings


class RenderedPage(Page):
    """A page whose content is given as HTML: `read_source` and `render` do no conversion."""

    def __init__(
        self,
        title: str,
        file: File,
        config: MkDocsConfig,
        *,
        html: str,
        meta: dict[str, Any],
        permalink: Optional[str],
        anchored: Optional["AnchorCache"] = None,
    ) -> None:
        super().__init__(title, file, config)
        self._html = html
        self._meta = meta
        self._permalink = permalink
        self._anchored = anchored

    @property
    def source_html(self) -> str:
        """The HTML the plugin rendered, until `release`."""
        return self._html

    @property
    def source_meta(self) -> dict[str, Any]:
        return self._meta

    def read_source(self, config: MkDocsConfig) -> None:
        # Other plugins see a page without Markdown (there is none to change).
        self.markdown = ""
        self.meta = dict(self._meta)

    def render(self, config: MkDocsConfig, files: Files) -> None:
        title = _permalink_title(config)
        if self._anchored is None:
            anchored = anchor_headings(self._html, permalink=self._permalink, permalink_title=title)
        else:
            anchored = self._anchored.get(self._html, self._permalink, title)
        self.content = anchored.html
        self.toc = get_toc([h.token() for h in anchored.toc])
        self.present_anchor_ids = anchored.ids
        self.links_to_anchors = {}

    def release(self) -> None:
        """Drop the HTML once MkDocs holds it (10,000 pages' bodies would otherwise stay twice)."""
        self._html = ""


class AnchorCache:
    """Under `mkdocs serve`: the last build's anchored pages, keyed by their HTML (most pages did not change)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, Optional[str], str], Anchored] = {}
        self._now: dict[tuple[str, Optional[str], str], Anchored] = {}

    def next_build(self) -> None:
        self._last, self._now = self._now, {}

    def get(self, html: str, permalink: Optional[str], title: str) -> Anchored:
        key = (html, permalink, title)
        found = self._now.get(key) or self._last.get(key)
        if found is None:
            found = anchor_headings(html, permalink=permalink, permalink_title=title)
        self._now[key] = found
        return found


def permalink_of(config: MkDocsConfig) -> Optional[str]:
    """The `¶` the site's `toc` extension puts after headings, or None without permalinks."""
    if "toc" not in config.markdown_extensions:
        return None
    setting = (config.mdx_configs.get("toc") or {}).get("permalink")
    if not setting:
        return None
    return "&para;" if setting is True else str(setting)


def _permalink_title(config: MkDocsConfig) -> str:
    return str((config.mdx_configs.get("toc") or {}).get("permalink_title", "Permanent link"))
