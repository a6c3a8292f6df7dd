"""The MkDocs adapter: a thin layer from the core's pages to MkDocs files.

Everything else (loading, validation, the link graph, page generation) is
in the core and knows nothing about MkDocs, so another site generator only
needs another adapter.
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
from collections import Counter
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any, Optional

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url, nest_paths

from mkdocs_lessons.adapter import header_search
from mkdocs_lessons.adapter.atomic import AtomicSite
from mkdocs_lessons.adapter.parallel_build import ParallelLoop
from mkdocs_lessons.adapter.rendered_page import (
    AnchorCache,
    Preparer,
    RenderedPage,
    permalink_of,
    search_plugin,
    use_prepared_sections,
)
from mkdocs_lessons.adapter.serve_cache import ServeCache, in_place, wrap_search
from mkdocs_lessons.adapter.serve_collector import DeferredCollector
from mkdocs_lessons.adapter.serve_log import shown_not_counted
from mkdocs_lessons.adapter.serve_search import BackgroundIndex
from mkdocs_lessons.adapter.serve_watch import RecordsWatch, watch_records
from mkdocs_lessons.adapter.title_repair import head_title
from mkdocs_lessons.analysis.derive import Analysis
from mkdocs_lessons.analysis.kept_products import KeptProducts
from mkdocs_lessons.analysis.similar import SimilarFinder
from mkdocs_lessons.checks.lints import lint
from mkdocs_lessons.checks.rules import LinkTargets, absolute_links_mode
from mkdocs_lessons.clock import resolve_today
from mkdocs_lessons.config import LessonsConfig
from mkdocs_lessons.diagnostics import Severity
from mkdocs_lessons.generate.builder_yml import EXTENSION_OPTIONS, REQUIRED_EXTENSIONS
from mkdocs_lessons.knowledge import open_knowledge_base, summary_line
from mkdocs_lessons.pages.notfound import not_found_html, replace_heading
from mkdocs_lessons.pages.parallel import available as parallel_available
from mkdocs_lessons.pages.site import ASSETS, KEPT_PRODUCTS, KEPT_RENDERS, generate, make_context
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.records.collector import collector_paused, no_collection_at_exit
from mkdocs_lessons.records.gitdates import last_changed
from mkdocs_lessons.render.prose import Prose
from mkdocs_lessons.render.reads import KeptRenders
from mkdocs_lessons.render.templates import Templates
from mkdocs_lessons.search.index_input import IndexInput
from mkdocs_lessons.search.pagefind import PagefindError, run_pagefind, stop_run
from mkdocs_lessons.settings import Settings, SettingsError
from mkdocs_lessons.timing import Timings
from mkdocs_lessons.urls import Urls, normalize_prefix

log = get_plugin_logger(__name__)

# REQUIRED_EXTENSIONS: the Markdown extensions the generated pages rely on, added
# when a site lacks them (generate/builder_yml.py: `lessons generate` lists the same).


#: Generated files at least this large (kb.json) wait on disk rather than in memory.
SPILL_BYTES = 256 * 1024


@lru_cache(maxsize=1 << 16)
def _relative_url(target: str, page_url: str) -> str:
    # Every page of every build links the feed; under `mkdocs serve` the same pages again.
    return get_relative_url(target, page_url)


#: Above this size, Material's one-file search index is a long wait at a
#: reader's first search (136 MB at 10,000 incidents): the build says so.
SEARCH_INDEX_NOTE_BYTES = 20_000_000


class LessonsPlugin(BasePlugin[LessonsConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        # Survives `mkdocs serve` rebuilds (we define on_startup): unchanged
        # records are not parsed again.
        self.cache = DocumentCache()
        self.timings = Timings()
        self.command = "build"
        self.serve_cache: ServeCache | None = None
        # Under serve: the long-lived heap frozen, each build's leftovers collected after it (serve_collector.py).
        self.collector: DeferredCollector | None = None
        self.records_watch: RecordsWatch | None = None  # the records folder's native watcher under `serve`
        self.anchored: AnchorCache | None = None
        self.dirty = False
        self.atomic = AtomicSite()  # one-off builds write a staging folder, swapped in at the end (adapter/atomic.py)
        self.last_good: Any = None  # the last valid KnowledgeBase outcome, kept while serving
        self.root: Path = Path("content")
        # Kept across `mkdocs serve` rebuilds while the settings they are made from hold:
        # compiled templates, and every record text already converted (render/).
        self._renderers: dict[Any, Any] = {}
        self.carry: dict[str, Any] = {}  # caches keyed by their inputs, across serve rebuilds (Context.carry)
        self.lint_cache: dict[Any, Any] = {}  # lints of unchanged records, across serve rebuilds
        self.generated_pages: set[str] = set()  # src_uri of this build's generated Markdown pages
        self.spill_dir: tempfile.TemporaryDirectory[str] | None = None
        self._page_options = (False, False)  # (pagefind, feed), read once a build for on_post_page
        self.background_index: Optional[BackgroundIndex] = (
            None  # under serve: the Pagefind index, made after each build
        )
        self._feed_link = ("", "")  # the feed's address and escaped title, once a build (on_post_page)
        self.index_input: Optional[IndexInput] = None  # `mkdocs build`: the pages Pagefind reads, cut as written
        self.parallel_loop: Optional[ParallelLoop] = None  # this build's page loop on two cores, if it is split
        self._edit_uris: dict[tuple[str, str], str] = {}  # (record file, docs_dir) -> edit_uri, this build's
        self._last_edit_uris: dict[tuple[str, str], str] = {}  # the last build's, reused by this one

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        # Rebuilds render only the pages whose inputs changed, in place (adapter/serve_cache.py).
        self.serve_cache = ServeCache() if command == "serve" else None
        self.anchored = AnchorCache() if command == "serve" else None  # heading ids of pages that did not change
        if self.collector is not None:
            self.collector.close()
        self.collector = DeferredCollector() if command == "serve" else None
        self.dirty = dirty
        no_collection_at_exit()  # the process's last half second (records/collector.py)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        config_dir = Path(config.config_file_path or ".").resolve().parent
        self.root = (config_dir / self.config.root).resolve()
        self.base = config_dir
        try:
            # Every option parsed and checked once, as `lessons generate` and the CLI do (settings.py).
            self.settings = Settings.from_options(dict(self.config))
        except SettingsError as problem:
            raise PluginError(f"lessons: {problem}") from None
        self.prefix = normalize_prefix(self.settings.prefix)
        self.today = resolve_today(self.settings.today)
        self.lint_config = self.settings.lint_config
        if self.config.custom_templates and not (config_dir / self.config.custom_templates).is_dir():
            raise PluginError(
                f"lessons: option 'custom_templates' names {self.config.custom_templates!r}, which is not a folder "
                "next to mkdocs.yml"
            )
        if self.config.search == "pagefind":
            header_search.take_over(config)  # the header's box, Pagefind behind it; Material's index not built
        elif self.serve_cache is not None:
            wrap_search(config.plugins, self.serve_cache)
        self.date_range = self.settings.date_range
        for name in REQUIRED_EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        for name, options in EXTENSION_OPTIONS.items():
            if name not in config.mdx_configs:
                config.mdx_configs[name] = dict(options)
        urls = Urls(self.prefix)
        for name in ASSETS:
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            uri = urls.asset(name)
            if uri not in target:
                target.append(uri)
        self.atomic.begin(config, command=self.command, dirty=self.dirty)  # last: only a valid config builds
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # Validate before MkDocs empties site_dir: a failed `mkdocs build`
        # leaves the previous site untouched.
        if self.collector is not None:
            self.collector.pause()  # until the build is written (adapter/serve_collector.py)
        self.parallel_loop = None  # the last build's, before its objects are collected (it held its pages)
        self._release_frozen()
        self.timings = Timings()  # per build: nothing piles up across `serve` rebuilds
        self._page_options = (self.config.search == "pagefind", self.config.feed_size > 0)
        self._close_index_input()
        if self.config.search == "pagefind" and self.command != "serve":
            # Under serve the index is made in the background from the site (adapter/serve_search.py).
            self.index_input = IndexInput()
        self._feed_link = (
            Urls(self.prefix).feed,
            escape(f"{config.site_name}: new reviews and procedure versions", quote=True),
        )
        self.generated_pages = set()
        # The knowledge base lives until the build ends: once read, it is moved
        # out of the cyclic collector's sight (see collector_paused), so that
        # the collections while MkDocs renders pages do not rescan it each
        # time. Not under `serve`: see _freezes.
        with collector_paused(freeze=self._freezes):
            outcome = open_knowledge_base(
                self.root,
                base=self.base,
                include_drafts=self.config.include_drafts,
                cache=self.cache,
                generated_paths=self.config.generated_paths,
                date_range=self.date_range,
                today=self.today,
                links=self._link_targets(config),
            )
        count = len(outcome.diagnostics.errors)
        message = f"lessons: {count} error{'s' * (count != 1)} in the knowledge base at {self.root} (listed above)"
        fallback = outcome.kb is None and self._serving and self.last_good is not None
        # Serving the last good site: shown, but not counted by `strict` (adapter/serve_log.py).
        with shown_not_counted(fallback):
            for problem in outcome.diagnostics:
                (log.error if problem.severity is Severity.ERROR else log.warning)(str(problem))
            if fallback:
                log.error(
                    f"{message.removeprefix('lessons: ')}; still serving the last good site, save a fix to rebuild"
                )
        if outcome.kb is None:
            if fallback:
                # A serve rebuild: an exception here would print a traceback and
                # leave the server waiting on a build that never finishes. Build
                # the site from the records as they were at the last good build
                # instead; the errors stay in the terminal until fixed.
                self.outcome = self.last_good
                return
            raise PluginError(message)
        self.outcome = outcome
        if self._serving:
            self.last_good = outcome
        log.info(summary_line(outcome))

    def _link_targets(self, config: MkDocsConfig) -> LinkTargets:
        """What relative links in record text may name: this site's pages and docs_dir's files (checks/rules.py)."""
        return LinkTargets(
            prefix=self.prefix,
            docs_dir=Path(config.docs_dir),
            pagefind=self.config.search == "pagefind",
            generated_paths=self.config.generated_paths,
            allow_html=self.config.allow_html,
            absolute_links=absolute_links_mode(config.validation.links.absolute_links),
        )

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        # Millions of small allocations and no reference cycles: with the cyclic
        # collector running, every full collection rescans the whole knowledge
        # base, which made these phases grow faster than the number of records.
        with collector_paused(freeze=self._freezes):  # the generated pages live until the build ends too
            return self._add_files(files, config)

    @property
    def _serving(self) -> bool:
        """Under `mkdocs serve`: rebuilds follow, so caches are worth keeping."""
        return self.command == "serve"

    @property
    def _freezes(self) -> bool:
        """Freeze what this build keeps alive: in one-off builds only.

        Objects frozen stay uncollected even once garbage, so the next build
        must unfreeze them and collect before it freezes again; otherwise the
        last build's cyclic garbage (MkDocs' pages and navigation) is frozen
        once more and never freed: `mkdocs serve` grew by ~50 MB a rebuild at
        1,000 incidents. That collection costs a rebuild 0.15 s at 1,000
        incidents, more than the freeze saves it, so `serve` does not freeze.
        """
        return not self._serving

    def _close_index_input(self) -> None:
        if self.index_input is not None:
            self.index_input.close()
            self.index_input = None

    def _release_frozen(self) -> None:
        """Let the last build's frozen objects be collected (see _freezes); under serve the collector's own policy
        freezes the long-lived heap (adapter/serve_collector.py)."""
        if not self._serving and gc.get_freeze_count():
            gc.unfreeze()
            gc.collect()

    def _add_files(self, files: Files, config: MkDocsConfig) -> Files:
        outcome = self.outcome
        assert outcome.kb is not None
        if self.anchored is not None:
            self.anchored.next_build()  # only the last build's pages are kept
        # Review-quality lints never make the knowledge base invalid. When a team
        # makes them blocking (WARNING), each is logged; otherwise one line says
        # how many there are (each incident page shows its own, `lessons lint`
        # lists them all, `mkdocs build -v` logs each at DEBUG).
        with self.timings.phase("lint"):
            findings = lint(outcome.kb, self.lint_config, cache=self.lint_cache if self._serving else None)
        suggestions: Counter[str] = Counter()
        debug = log.isEnabledFor(logging.DEBUG)
        for finding in findings:
            if finding.severity is Severity.WARNING:
                log.warning(f"{finding} [{finding.rule}]")
            else:
                if debug:  # thousands of findings in a large base: no text made for nothing
                    log.debug(f"{finding} [{finding.rule}]")
                suggestions[finding.rule] += 1
        if suggestions:
            total = sum(suggestions.values())
            records = len({f.path for f in findings if f.severity is not Severity.WARNING})
            codes = ", ".join(f"{code} \u00d7{count}" for code, count in sorted(suggestions.items()))
            log.info(
                f"{total} review-quality suggestion{'s' * (total != 1)} in {records} "
                f"record{'s' * (records != 1)} "
                f"({codes}); listed by `lessons lint`"
                + ("; shown on each incident page (show_review_notes)" if self.config.show_review_notes else "")
            )

        updated = {}
        if self.config.last_updated:
            # One `git log` for the whole folder; without git, no dates (and no error).
            history = last_changed(self.root)
            updated = history.dates
            if history.note:
                log.debug(f"no 'Last updated' dates: {history.note}")
            elif history.shallow:
                log.info(
                    "shallow git clone: records not changed in the fetched commits show no 'Last updated' "
                    "date (fetch the full history, e.g. actions/checkout with fetch-depth: 0)"
                )

        templates, prose = self._renderers_for(config)
        if self._serving:
            # Record pages whose reads still hold are not rendered again (render/reads.py).
            self.carry.setdefault(KEPT_RENDERS, KeptRenders())
        # The one derive step; the lints just logged are the ones the incident pages show.
        carried = self.carry.get("similar") if self._serving else None
        with self.timings.phase("link"):  # the link graph; the other facts are worked out as pages read them
            analysis = Analysis(
                outcome.kb,
                today=self.today,
                lint_config=self.lint_config,
                lints=findings,
                similar_finder=carried if isinstance(carried, SimilarFinder) else None,
                kept=self.carry.setdefault(KEPT_PRODUCTS, KeptProducts()) if self._serving else None,
            )
        prepare = None
        if not self._serving:
            # Heading anchors (and Material's search sections) worked out with each page, on two cores when the pages
            # are rendered in two processes; under serve, the anchored pages of the last build are kept instead.
            material = self.config.search == "material" and search_plugin(config.plugins) is not None
            prepare = Preparer(config, search_sections=material)
            if material:
                use_prepared_sections(config.plugins)
        ctx = make_context(
            outcome.kb,
            today=self.today,
            prefix=self.prefix,
            allow_html=self.config.allow_html,
            use_directory_urls=config.use_directory_urls,
            pagefind=self.config.search == "pagefind",
            search_synonyms=self.settings.search_synonyms,
            site_name=config.site_name,
            site_url=config.site_url or "",
            feed_size=self.config.feed_size,
            last_updated=updated,
            lint=self.lint_config,
            renewal_every_months=self.config.renewal_every_months,
            show_review_notes=self.config.show_review_notes,
            # Not under serve: a rebuild renders a few pages and keeps the rest (render/reads.py).
            parallel=self.settings.parallel and not self._serving and parallel_available(),
            prepare=prepare,
            templates=templates,
            prose=prose,
            # Kept across `mkdocs serve` rebuilds only: a one-off build holds no copies.
            carry=self.carry if self._serving else None,
            analysis=analysis,
        )
        self.timings.merge(outcome.loaded.timings)
        urls = ctx.urls
        handwritten = [f.src_uri for f in files.documentation_pages()]
        # Only the records of this build keep their edit links: renamed and
        # deleted files do not pile up over a long `serve` session.
        self._last_edit_uris, self._edit_uris = self._edit_uris, {}
        nav_items: list[Any] = []
        edit_links = self.config.edit_links
        permalink = permalink_of(config)
        for generated in generate(ctx, home=self.config.home):
            existing = files.get_file_from_path(generated.src_uri)
            if existing is not None:
                if generated.src_uri == urls.home:
                    # A hand-written home page wins over the generated one.
                    nav_items.append({"Home": generated.src_uri})
                    continue
                raise PluginError(
                    f"lessons: the generated page '{generated.src_uri}' (from "
                    f"{generated.source or 'the knowledge base'}) "
                    f"clashes with '{existing.abs_src_path or existing.src_uri}' in docs_dir; rename one or set the "
                    "'prefix' option"
                )
            inclusion = InclusionLevel.INCLUDED if generated.in_nav else InclusionLevel.NOT_IN_NAV
            is_page = generated.src_uri.endswith(".md")
            if generated.html:
                # The page's HTML is MkDocs' to place in the theme, not Markdown to convert (adapter/rendered_page.py).
                file = File.generated(config, generated.src_uri, content="", inclusion=inclusion)
            elif is_page or len(generated.content) < SPILL_BYTES:
                file = File.generated(config, generated.src_uri, content=generated.content, inclusion=inclusion)
            else:
                # A large data file (kb.json) waits on disk, not in memory, until MkDocs copies it.
                file = File.generated(
                    config, generated.src_uri, abs_src_path=self._spill(generated), inclusion=inclusion
                )
            if generated.source is not None and edit_links:
                file.edit_uri = self._edit_uri(generated.source, config.docs_dir)
            elif is_page:
                file.edit_uri = None
            if generated.html:
                assert isinstance(generated.content, str)
                # The theme places a page's title as HTML (a Markdown page's comes from its rendered heading).
                RenderedPage(
                    escape(generated.title, quote=False),
                    file,
                    config,
                    html=generated.content,
                    meta=generated.meta,
                    permalink=permalink,
                    anchored=self.anchored,
                    prepared=generated.prepared,
                )
            files.append(file)
            if is_page:
                self.generated_pages.add(generated.src_uri)
            if generated.in_nav:
                nav_items.append({generated.title: generated.src_uri})

        if config.nav is None and self.config.navigation:
            own = {next(iter(item.values())) for item in nav_items}
            others = [uri for uri in handwritten if uri not in own]
            config.nav = nav_items + nest_paths(others)
        self.timings.merge(ctx.timings)
        log.debug(f"time by phase: {self.timings.summary()}")
        return files

    def _renderers_for(self, config: MkDocsConfig) -> tuple[Templates, Prose]:
        """The template environment and the prose converter, kept while what they are made of holds."""
        custom = self.config.custom_templates
        folder = (self.base / custom).resolve() if custom else None
        extensions = [e for e in config.markdown_extensions]
        key = (
            str(folder),
            self.config.allow_html,
            repr(extensions),
            repr(sorted(config.mdx_configs.items(), key=lambda kv: kv[0])),
        )
        if key not in self._renderers:
            self._renderers = {
                key: (Templates(folder), Prose(extensions, dict(config.mdx_configs), allow_html=self.config.allow_html))
            }
        return self._renderers[key]

    def _edit_uri(self, source: Path, docs_dir: str) -> str:
        """The record file relative to docs_dir (kept across serve rebuilds: a relpath per record adds up)."""
        key = (str(source), docs_dir)
        uri = self._last_edit_uris.get(key)
        if uri is None:
            uri = Path(os.path.relpath(source, docs_dir)).as_posix()
        self._edit_uris[key] = uri
        return uri

    def _spill(self, generated: Any) -> str:
        if self.spill_dir is None:
            self.spill_dir = tempfile.TemporaryDirectory(prefix="mkdocs-lessons-")
        target = Path(self.spill_dir.name, generated.src_uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        content = generated.content
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return str(target)

    # Last: the serve cache keys pages by the navigation as every plugin left it.
    @event_priority(-100)
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        if self.serve_cache is not None:
            self.serve_cache.start(config, nav, files)
        return nav

    def _on_env_templates(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        if self.serve_cache is not None:
            self.serve_cache.keep_reads(files)
            self.serve_cache.install(env)
        if self.config.search == "pagefind":
            urls = Urls(self.prefix)
            root = urls.prefix or "./"
            header_search.install(env, config, {"bundle": urls.pagefind_dir, "root": root, "words": urls.search_words})
        return env

    # Last of every plugin's `on_env`: the copy that builds half the pages starts with the environment as final.
    @event_priority(-100)
    def _on_env_split(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        if self.settings.parallel and not self._serving:
            self.parallel_loop = ParallelLoop(self.timings)
            if not self.parallel_loop.install(config, self.generated_pages, self):
                self.parallel_loop = None
        return env

    on_env = CombinedEvent(_on_env_templates, _on_env_split)

    @event_priority(-100)
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri in self.generated_pages:
            # MkDocs keeps every page's Markdown and HTML until all pages are
            # written; a generated page's Markdown is not needed once it is
            # HTML. Releasing it keeps 10,000 incidents inside 2 GiB.
            page.markdown = ""
            page.file.content_string = ""
            if isinstance(page, RenderedPage):
                page.release()
        return html

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        if template_name != "404.html":
            return output_content
        # Material's bare 404 becomes a way back: search, the lists, a guess for a mistyped id (pages/notfound.py).
        return replace_heading(output_content, not_found_html(config.site_url or "", self.prefix))

    def on_build_error(self, *, error: Exception) -> None:
        if self.parallel_loop is not None:
            self.parallel_loop.abandon()
        self.atomic.abandon()  # the last good site stays
        self._close_index_input()
        if self.serve_cache is not None:
            self.serve_cache.abandon()
        if self.collector is not None:
            self.collector.resume()

    def on_shutdown(self) -> None:
        if self.parallel_loop is not None:
            self.parallel_loop.abandon()
        self.atomic.abandon()  # interrupted (Ctrl-C): the last good site stays
        self._close_index_input()
        if self.background_index is not None:
            self.background_index.close()
            self.background_index = None
        if self.records_watch is not None:
            self.records_watch.close()
            self.records_watch = None
        gc.unfreeze()  # nothing stays frozen past the plugin's life
        if self.collector is not None:
            self.collector.close()
        if self.spill_dir is not None:
            self.spill_dir.cleanup()
            self.spill_dir = None

    # First, so other plugins' `on_post_page` see the page as a reader gets it.
    @event_priority(100)
    def _on_post_page_marks(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        # Runs on every page of every build: options are read once a build (_page_options).
        pagefind, feed = self._page_options
        if page.title and not page.meta.get("title"):
            # The theme's `<title>` unescapes the heading: see adapter/title_repair.py.
            output = head_title(output, page.title, config.site_name)
        search = page.meta.get("search") or {}
        if pagefind and not (isinstance(search, dict) and search.get("exclude")):
            # Index the content area only: the navigation repeats on every page.
            output = output.replace(
                '<article class="md-content__inner', '<article data-pagefind-body class="md-content__inner', 1
            )
            # A heading's "¶" permalink is not part of its text (result titles ended in "¶").
            output = output.replace('<a class="headerlink"', '<a data-pagefind-ignore class="headerlink"')
        if feed:
            output = self._link_feed(output, page, config)
        return output

    # Last: the page as MkDocs writes it, after every other plugin's changes.
    @event_priority(-100)
    def _on_post_page_index(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if self.index_input is not None:
            self.index_input.add(page.file.dest_path, output)  # search/index_input.py
        return output

    on_post_page = CombinedEvent(_on_post_page_marks, _on_post_page_index)

    def _link_feed(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Announce the Atom feed in every page's head, so readers and browsers find it."""
        # Relative, like every other link of the site: it works from file://, behind
        # any host name and in a moved copy; readers resolve it against the page.
        # The feed's address and title are worked out once a build (_page_options).
        target, title = self._feed_link
        href = _relative_url(target, page.url or ".")
        # `rel="alternate feed"`, not just "alternate": Material takes every
        # `link[rel=alternate]` (an exact match) for a language version and
        # fetches a sitemap.xml beside it on each page load (a 404 under a
        # prefix, megabytes on a large site). Feed readers split rel into
        # tokens, so they still find it.
        link = (
            f'<link rel="alternate feed" type="application/atom+xml" title="{title}" '
            f'href="{escape(href, quote=True)}">\n</head>'
        )
        # One copy of the page (slicing around `</head>` made two): every page, every build.
        return output.replace("</head>", link, 1)

    # Late: Pagefind indexes the pages as the other plugins left them, and
    # Material's search index is written by then.
    # First: under serve, Material's search index gets the entries of the pages not rebuilt before it is written.
    @event_priority(100)
    def _on_post_build_entries(self, *, config: MkDocsConfig) -> None:
        if self.serve_cache is not None:
            self.serve_cache.order_search(config.plugins)

    @event_priority(-50)
    def _on_post_build_search(self, *, config: MkDocsConfig) -> None:
        if self.serve_cache is not None:
            self.serve_cache.finish(config.site_dir)
        if self.config.search == "pagefind":
            subdir = Urls(self.prefix).pagefind_dir.rstrip("/")
            if self.command == "serve":
                # The saved edit shows now; the index follows in the background (adapter/serve_search.py).
                if self.background_index is None:
                    self.background_index = BackgroundIndex()
                self.background_index.after_build(
                    Path(config.site_dir),
                    subdir,
                    lambda site, out: run_pagefind(site, subdir, out, background=True),
                    stop=stop_run,
                )
                return
            site = Path(config.site_dir)
            try:
                with self.timings.phase("search index"):
                    source = self.index_input.source(site) if self.index_input is not None else None
                    summary = run_pagefind(site, subdir, source=source)
            except PagefindError as exc:
                raise PluginError(f"lessons: {exc}") from exc
            finally:
                self._close_index_input()
            log.info(f"Pagefind index written{': ' + summary if summary else ''}")
            return
        # Info, not a warning: a site that builds with --strict keeps building.
        try:
            size = (Path(config.site_dir) / "search" / "search_index.json").stat().st_size
        except OSError:
            return  # no Material search
        if size > SEARCH_INDEX_NOTE_BYTES:
            log.info(
                f"Material's search index is {size / 1e6:.0f} MB, and every reader downloads all of it at their first "
                "search; "
                "`search: pagefind` fetches a few kilobytes per query instead (README, Search)"
            )

    # Last of all: every other plugin has written into the staging folder.
    @event_priority(-100)
    def _on_post_build_swap(self, *, config: MkDocsConfig) -> None:
        self.atomic.finish(config)
        if self.serve_cache is not None:
            self.serve_cache.release()  # the build's pages and navigation go by reference counting
        if self.collector is not None:
            self.collector.resume()

    on_post_build = CombinedEvent(_on_post_build_entries, _on_post_build_search, _on_post_build_swap)

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        # The records live outside docs_dir: watch them too (natively where that is safe: adapter/serve_watch.py),
        # and the site's own templates.
        if self.records_watch is not None:
            self.records_watch.close()
        self.records_watch = watch_records(server, Path(self.root), self.settings.serve_watch)
        if self.serve_cache is not None:
            server.builder = in_place(
                server.builder
            )  # after the first build, rebuild in place (adapter/serve_cache.py)
        if self.config.custom_templates:
            server.watch(str((self.base / self.config.custom_templates).resolve()))
        return server
