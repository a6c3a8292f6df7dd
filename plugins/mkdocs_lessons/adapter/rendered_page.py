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

from dataclasses import dataclass
from typing import Any, Optional

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from mkdocs_lessons.pages.common import GeneratedFile
from mkdocs_lessons.render.headings import Anchored, anchor_headings


@dataclass
class Prepared:
    """What MkDocs and Material would work out of a generated page while building it, worked out with the page."""

    anchored: Anchored  # the HTML with heading ids and permalinks, and its table of contents
    sections: Optional[list[Any]]  # Material's search sections of `anchored.html`, when Material's search runs


class Preparer:
    """`Context.prepare` in a one-off build: runs on each finished page in the process that rendered it, so with
    two processes (pages/parallel.py) the anchoring and Material's search parsing are done on two cores too.
    """

    def __init__(self, config: MkDocsConfig, *, search_sections: bool) -> None:
        self.permalink = permalink_of(config)
        self.title = _permalink_title(config)
        self.search_sections = search_sections

    def __call__(self, file: GeneratedFile) -> None:
        if not file.html or not isinstance(file.content, str):
            return
        anchored = anchor_headings(file.content, permalink=self.permalink, permalink_title=self.title)
        file.prepared = Prepared(anchored, _search_sections(anchored.html) if self.search_sections else None)
        # MkDocs gets the anchored HTML: the page's body is not kept (nor handed between processes) twice.
        file.content = ""


def _search_sections(html: str) -> list[Any]:
    """The sections Material's search plugin divides this HTML into (what its `add_entry_from_context` parses)."""
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(html)
    parser.close()
    for section in parser.data:
        # Material only ever joins these pieces: one string each, not hundreds, while thousands of pages wait.
        # An empty title stays empty (Material then gives the page's title).
        section.title = ["".join(section.title)] if section.title else []
        section.text = ["".join(section.text)] if section.text else []
    return list(parser.data)


def use_prepared_sections(plugins: Any) -> None:
    """Material's search index takes a generated page's prepared sections instead of parsing its HTML again.

    Only when the page's content is still the prepared HTML (no plugin replaced it since), and only for this build
    (Material makes a new index for each). The loop is Material's own `add_entry_from_context`; a build with and
    without this gives the same search index, byte for byte (tests/test_rendered_page.py).
    """
    plugin = search_plugin(plugins)
    if plugin is None:
        return
    index = plugin.search_index
    original = index.add_entry_from_context

    def add_entry_from_context(page: Page) -> None:
        sections = page.prepared_sections() if isinstance(page, RenderedPage) else None
        if sections is None:
            return original(page)
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return None
        for section in sections:
            if not section.is_excluded():
                index.create_entry_for_section(section, page.toc, page.url, page)
        return None

    index.add_entry_from_context = add_entry_from_context


def search_plugin(plugins: Any) -> Any:
    """Material's search plugin when it will index this build, else None."""
    plugin = next((p for name, p in plugins.items() if name in ("material/search", "search")), None)
    if plugin is None or not hasattr(plugin, "search_index") or not getattr(plugin.config, "enabled", True):
        return None
    return plugin


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
        prepared: Optional[Prepared] = None,
    ) -> None:
        super().__init__(title, file, config)
        # Prepared, the page needs only the anchored HTML: 10,000 pages' bodies are not kept twice till rendered.
        self._html = html if prepared is None else ""
        self._meta = meta
        self._permalink = permalink
        self._anchored = anchored
        self._prepared = prepared

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
        if self._prepared is not None:
            anchored = self._prepared.anchored
        elif self._anchored is None:
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

    def prepared_sections(self) -> Optional[list[Any]]:
        """Material's search sections of this page, worked out with it, while its content is the HTML they were
        worked out of; taken once (they are not kept)."""
        prepared = self._prepared
        if prepared is None or prepared.sections is None or self.content is not prepared.anchored.html:
            return None
        sections, prepared.sections = prepared.sections, None
        return sections


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
