"""Under `mkdocs serve`: rebuild in place, and render only the pages whose inputs changed.

A plain `mkdocs serve` empties its site folder on every save and renders and
writes every page again: at 1,000 incidents about 1.5 s of MkDocs' own work
(and ten times that at 10,000) before an edit shows. MkDocs' dirty build
(`serve --dirty`) leaves the folder and skips each page whose
`File.is_modified()` is false, but on its own it is wrong for this site:
a generated page always counts as modified, a page whose navigation changed
does not, Material's search index keeps only the pages rebuilt, and removed
pages stay online. This module makes the dirty rebuild right, and `serve`
use it after its first build (`in_place`):

- a generated page is modified when its key changed: everything the theme's
  output is made of, that is the page's HTML, title, front matter, URL,
  edit and canonical URLs and previous and next pages, plus the site's
  share (the navigation, every entry's title and URL; the config file's
  bytes and those of the file it INHERITs; the theme's template files);
- any page is modified when the site's share changed, or its output is gone;
  a hand-written page otherwise by MkDocs' own test (its source is newer);
- Material's search entries of the pages not rebuilt are kept, and the index
  is written in page order, as a full build writes it (each page's entries
  encoded once and kept while they are: at 10,000 incidents the index is
  over 100 MB of JSON);
- the output of a file that is no longer part of the site is removed;
- the site's own Markdown pages that MkDocs does not read again (unchanged)
  keep what it read of them last time (text, front matter, title): every
  other page's navigation names them, and without it a page rendered again
  showed "None" where their titles belong. Their titles and front matter,
  read from their sources, are in the site's share, so a new heading in one
  renders every page's navigation again.

What the key leaves out: values a template could read that are not in that
list, such as the build time (`build_date_utc`); Material's templates print
none of them. Other plugins' page hooks run only for the pages rebuilt, as in
any dirty build. A cold `mkdocs build` and a serve rebuild give the same site
byte for byte (tests/test_serve_equivalence.py). One-off builds keep nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sysconfig
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Optional

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_markdown_title
from mkdocs.utils import meta as front_matter

from mkdocs_lessons.adapter.rendered_page import RenderedPage, search_plugin
from mkdocs_lessons.records.cache import FileMemo

Entries = list[dict[str, Any]]


class ServeCache:
    """What the last serve build left in the site folder, and what this one must render again."""

    def __init__(self) -> None:
        self._kept_keys: dict[str, str] = {}  # src_uri -> key of the page output on disk
        self._keys: dict[str, str] = {}  # this build's keys
        self._kept_entries: dict[str, Entries] = {}  # src_uri -> Material search entries on record
        self._entries: dict[str, Entries] = {}
        self._kept_json: dict[str, tuple[Entries, str]] = {}  # src_uri -> (its entries, their JSON without brackets)
        self._json: dict[str, tuple[Entries, str]] = {}
        self._kept_site = ""
        self._site = ""
        self._kept_outputs: set[str] = set()  # every file's output path, last build
        self._outputs: set[str] = set()
        self._pages: list[str] = []  # documentation pages in MkDocs' order, this build
        self._decided: dict[str, bool] = {}
        # A page's HTML -> its digest, this build's and the last: a kept render hands over the same
        # string, whose hash Python has already computed, so 10,000 pages are not digested again.
        self._html_digests: dict[str, bytes] = {}
        self._kept_html_digests: dict[str, bytes] = {}
        # The site's own Markdown pages: what MkDocs read of each (src_uri -> markdown, front matter, title), and
        # what their navigation entries show, by source path (-> its stat then, title and front matter).
        self._reads: dict[str, tuple[str, dict[str, Any], Optional[str]]] = {}
        self._nav_texts: FileMemo[str] = FileMemo()
        self.reused = 0  # generated pages left as they were in this build (tests and the benchmark read it)
        self.checked = 0  # generated pages this build
        self._bytecode = _MemoryBytecodeCache()
        self._built: Optional[tuple[Navigation, list[File]]] = None  # this build's navigation and files (`release`)
        self._env: Optional[Environment] = None  # this build's theme environment (`release`)

    # -- once a build ---------------------------------------------------------
    def start(self, config: MkDocsConfig, nav: Navigation, files: Files) -> None:
        """A new build: the site's share of every key, and each page's `is_modified` answered here."""
        self.release()  # a failed build's, if it was not released at its end
        self._built = (nav, list(files))
        self._keys, self._entries, self._decided = {}, {}, {}
        self.reused = self.checked = 0
        digest = hashlib.sha256()
        texts = self._nav_texts_of(files)
        for item in _nav_lines(nav.items, texts):
            digest.update(item.encode("utf-8", "surrogatepass") + b"\0")
        for path in _config_files(config):
            digest.update(path.encode() + b"\0" + _read(path) + b"\0")
        for folder in config.theme.dirs:
            for name, stat in _theme_files(folder):
                digest.update(f"{name}\0{stat}\0".encode())
        self._site = digest.hexdigest()
        self._outputs = {file.abs_dest_path for file in files}
        self._pages = []
        for file in files.documentation_pages():
            self._pages.append(file.src_uri)
            if isinstance(file.page, RenderedPage):
                # Every build, rendered or not: the first rebuild after a full build needs the keys too.
                self._keys[file.src_uri] = self._page_key(file.page)
            # An instance attribute: MkDocs calls `file.is_modified()` before it reads and before it writes a page.
            # The ignore: MkDocs' types declare `is_modified` a method, and it is replaced per instance here.
            # It names its file weakly: a file whose own attribute holds it is a reference cycle (see `release`).
            file.is_modified = _IsModified(self, file)  # type: ignore[method-assign]

    def _nav_texts_of(self, files: Files) -> dict[int, str]:
        """What the navigation shows of each of the site's own Markdown pages, by `id(page)`, read from its source
        now (MkDocs reads pages after `on_nav`): its title (the nav's, the front matter's, or its first heading)
        and its front matter (Material's navigation reads icons and status from it). A source whose stat did not
        move is not read again.
        """
        texts: dict[int, str] = {}
        for file in files.documentation_pages():
            page = file.page
            if page is None or isinstance(page, RenderedPage):
                continue
            if "title" in vars(page):  # named in the `nav` setting (in the config file's bytes)
                texts[id(page)] = str(page.title)
                continue
            try:
                texts[id(page)] = self._nav_texts.get(file.abs_src_path or "", _nav_text)
            except OSError:
                continue  # MkDocs reports a page it cannot read
        self._nav_texts.prune()
        return texts

    def keep_reads(self, files: Files) -> None:
        """After MkDocs read the pages it reads: each of the site's own pages it left unread (unchanged since the
        last build) gets what the last build read of it, so the navigation of the pages rendered names it.
        """
        reads: dict[str, tuple[str, dict[str, Any], Optional[str]]] = {}
        for file in files.documentation_pages():
            page = file.page
            if page is None or isinstance(page, RenderedPage):
                continue
            if page.markdown is None:
                last = self._reads.get(file.src_uri)
                if last is None:
                    continue
                page.markdown, page.meta = last[0], dict(last[1])
                if last[2] is not None and "title" not in vars(page):
                    page.title = last[2]  # MkDocs' `title` gives way to an instance's value (a nav title's way)
                reads[file.src_uri] = last
            else:
                reads[file.src_uri] = (page.markdown, dict(page.meta), page.title)
        self._reads = reads

    def install(self, env: Environment) -> None:
        """Keep the theme's compiled templates across rebuilds.

        MkDocs makes a new theme environment for every build, which compiles
        Material's templates again (about 40 of them); their bytecode is kept
        here, and Jinja checks each against its source's checksum before use.
        """
        env.bytecode_cache = self._bytecode
        self._env = env

    def order_search(self, plugins: Any) -> None:
        """Before Material writes its index: every page's entries, in page order, rebuilt or not."""
        plugin = _material_search(plugins)
        if plugin is None:
            return
        entries: Entries = []
        encoded: list[str] = []
        for uri in self._pages:
            found = self._entries.get(uri)
            if found is None:
                found = self._entries[uri] = self._kept_entries.get(uri, [])
            entries.extend(found)
            if found:
                kept = self._kept_json.get(uri)
                if kept is None or kept[0] is not found:
                    kept = (found, json.dumps(found, separators=(",", ":"), default=str)[1:-1])
                self._json[uri] = kept
                encoded.append(kept[1])
        index = plugin.search_index
        index.entries = entries
        # Material merges a dirty build's entries with the last index itself (`serve --dirty`): they are all here.
        plugin.search_index_prev = None
        if callable(getattr(type(index), "generate_search_index", None)) and isinstance(
            getattr(index, "config", None), Mapping
        ):
            index.generate_search_index = functools.partial(_search_index_json, index.config, encoded)

    def finish(self, site_dir: str) -> None:
        """The build is written: remove what is no longer part of the site; what it made is what the next
        build keeps.
        """
        root = os.path.realpath(site_dir)
        for gone in sorted(self._kept_outputs - self._outputs):
            _remove_output(gone, root)
        self._kept_keys = self._keys
        self._kept_entries = self._entries
        self._kept_json, self._json = self._json, {}
        self._kept_site = self._site
        self._kept_outputs = self._outputs
        self._keys, self._entries, self._decided, self._pages = {}, {}, {}, []
        self._kept_html_digests, self._html_digests = self._html_digests, {}

    def release(self) -> None:
        """The build is over: the links between its files, pages and navigation undone, so they go by reference
        counting once MkDocs drops them.

        MkDocs links each page and its file both ways (`file.page`,
        `page.file`), each page to its neighbours and each navigation entry to
        its section and back: every build's pages and navigation were cyclic
        garbage, hundreds of thousands of objects at 10,000 incidents that
        only a full collection freed, seconds with the interpreter lock held
        (adapter/serve_collector.py). Called once every plugin's `post_build`
        has run (and at the next build's start after a failed one): nothing
        reads them then.
        """
        env, self._env = self._env, None
        if env is not None:
            # The theme's environment, made again each build, holds its templates and extensions, which name it.
            if env.cache is not None:
                env.cache.clear()
            for extension in env.extensions.values():
                vars(extension).pop("environment", None)  # the i18n extension; the env holds its methods
            env.extensions = {}
            env.globals = {}
        built, self._built = self._built, None
        if built is None:
            return
        nav, files = built
        for file in files:
            vars(file).pop("is_modified", None)
            page = file.page
            if page is not None and page.file is file:
                page.previous_page = page.next_page = page.parent = None
                file.page = None
        items = list(nav.items)
        while items:
            item = items.pop()
            item.parent = None
            if item.children:
                items.extend(item.children)

    def abandon(self) -> None:
        """A failed build: its outputs may be half written, so the next build renders every page."""
        self._kept_site = ""
        self._kept_outputs |= self._outputs

    # -- per page ----------------------------------------------------------
    def _modified(self, file: File, by_mkdocs: Callable[[], bool]) -> bool:
        uri = file.src_uri
        decided = self._decided.get(uri)
        if decided is not None:
            return decided
        generated = uri in self._keys
        if generated:
            self.checked += 1
            kept = self._kept_keys.get(uri)
            unchanged = kept is not None and kept == self._keys[uri]
        else:
            unchanged = not by_mkdocs()
        decided = not (unchanged and self._site == self._kept_site and os.path.isfile(file.abs_dest_path))
        if generated and not decided:
            self.reused += 1
        self._decided[uri] = decided
        return decided

    def _page_key(self, page: RenderedPage) -> str:
        """Everything a generated page's output is made of (its table of contents comes from its HTML)."""
        html = page.source_html
        html_digest = self._kept_html_digests.get(html) or self._html_digests.get(html)
        if html_digest is None:
            html_digest = hashlib.sha256(html.encode("utf-8", "surrogatepass")).digest()
        self._html_digests[html] = html_digest
        neighbours = [(p.title, p.url) if p is not None else None for p in (page.previous_page, page.next_page)]
        parts = (
            str(page.title),
            repr(sorted(page.source_meta.items(), key=lambda kv: str(kv[0]))),
            page.url,
            str(page.edit_url),
            str(page.canonical_url),
            repr(neighbours),
        )
        digest = hashlib.sha256(self._site.encode() + b"\0" + html_digest)
        for part in parts:
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()

    def indexed(self, page: Page, entries: Entries) -> None:
        self._entries[page.file.src_uri] = entries


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates in memory, across serve rebuilds (Jinja checks the source's checksum)."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


class _IsModified:
    """A file's `is_modified` under serve: the serve cache decides (`ServeCache._modified`), MkDocs' own test for
    the site's own pages. It names the file weakly, so the file and it are no reference cycle."""

    __slots__ = ("_cache", "_file", "_own")

    def __init__(self, cache: ServeCache, file: File) -> None:
        self._cache = cache
        self._file = weakref.ref(file)
        self._own: Optional[Callable[[], bool]] = vars(file).get("is_modified")  # another plugin's, if it set one

    def __call__(self) -> bool:
        file = self._file()
        if file is None:  # pragma: no cover - only a live file is asked
            return True
        by_mkdocs = self._own if self._own is not None else functools.partial(type(file).is_modified, file)
        return self._cache._modified(file, by_mkdocs)


def _search_index_json(config: Mapping, encoded: list[str], prev: Any = None) -> str:
    """What Material's `SearchIndex.generate_search_index` returns, from each page's entries encoded already.

    `json.dumps` of `{"config": ..., "docs": [...]}` with Material's
    separators, pieced together: the same text, byte for byte
    (tests/test_serve_equivalence.py compares it with a cold build's).
    """
    head = {key: config[key] for key in ["lang", "separator", "pipeline", "fields"]}
    return '{"config":' + json.dumps(head, separators=(",", ":"), default=str) + ',"docs":[' + ",".join(encoded) + "]}"


def _material_search(plugins: Any) -> Any:
    plugin = next((p for name, p in plugins.items() if name in ("material/search", "search")), None)
    if plugin is None or getattr(plugin, "search_index", None) is None or not plugin.config.enabled:
        return None
    return plugin


def wrap_search(plugins: Any, cache: "ServeCache") -> None:
    """Material's search plugin indexes a page in `on_page_context`: note each rebuilt page's entries.

    Only under `mkdocs serve`. The wrapper replaces that plugin's method in
    MkDocs' event list for this build (MkDocs registered the bound method when
    it loaded the config, which it does again for every rebuild).
    """
    plugin = search_plugin(plugins)
    if plugin is None:
        return
    original = type(plugin).on_page_context.__get__(plugin)
    events = plugins.events["page_context"]
    at = next((i for i, method in enumerate(events) if getattr(method, "__self__", None) is plugin), None)
    if at is None:
        return

    @event_priority(getattr(original, "mkdocs_priority", 0))  # the place in the event list the wrapped one had
    def on_page_context(context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        index = getattr(plugin, "search_index", None)
        if index is None or not plugin.config.enabled:
            return original(context, page=page, config=config, nav=nav)
        before = len(index.entries)
        result = original(context, page=page, config=config, nav=nav)
        cache.indexed(page, index.entries[before:])
        return result

    events[at] = on_page_context


def in_place(builder: Callable[..., None]) -> Callable[..., None]:
    """`serve`'s rebuild function, made to rebuild in place (a dirty build) after its first build.

    MkDocs 1.6's `serve` calls `mkdocs.commands.serve.build(config, serve_url=...,
    dirty=...)` with the `--dirty` flag it was started with; for the length of
    a rebuild that name is pointed at a wrapper that asks for a dirty build,
    and MkDocs' warning that dirty builds may leave stale navigation and
    links (which this module rules out) is held back: under `strict` it would
    stop every rebuild. Where MkDocs is not laid out that way, rebuilds stay
    full ones, only slower.
    """
    try:
        from mkdocs.commands import serve as command
    except ImportError:  # pragma: no cover
        return builder
    full = getattr(command, "build", None)
    if not callable(full):  # pragma: no cover
        return builder

    def dirty_build(config: MkDocsConfig, *, serve_url: Optional[str] = None, dirty: bool = False) -> None:
        full(config, serve_url=serve_url, dirty=True)

    build_log = logging.getLogger("mkdocs.commands.build")

    @functools.wraps(builder)
    def rebuild(*args: Any, **kwargs: Any) -> None:
        command.build = dirty_build
        build_log.addFilter(_hold_dirty_warning)
        try:
            builder(*args, **kwargs)
        finally:
            command.build = full
            build_log.removeFilter(_hold_dirty_warning)

    return rebuild


def _hold_dirty_warning(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("A 'dirty' build is being performed")


def _remove_output(path: str, root: str) -> None:
    """Delete a file the site no longer has, and the folders it leaves empty, inside the site folder only."""
    real = os.path.realpath(path)
    if not real.startswith(root + os.sep):
        return
    try:
        os.unlink(real)
    except OSError:
        return
    folder = os.path.dirname(real)
    while folder != root and folder.startswith(root + os.sep):
        try:
            os.rmdir(folder)  # only when empty
        except OSError:
            return
        folder = os.path.dirname(folder)


def _nav_text(raw: bytes) -> str:
    """What a Markdown page's navigation entry is made of: its title as its source gives it, and its front matter."""
    try:
        markdown, meta = front_matter.get_data(raw.decode("utf-8-sig", errors="replace"))
    except Exception:  # MkDocs reads it again and reports what is wrong with it
        markdown, meta = "", {}
    title = meta.get("title") or get_markdown_title(markdown) or ""
    return f"{title}\0{sorted(meta.items(), key=lambda kv: str(kv[0]))!r}"


def _nav_lines(items: Any, texts: Mapping[int, str], depth: int = 0) -> list[str]:
    """The navigation as lines; `texts`: what a Markdown page's entry shows (its title is unknown until it is read)."""
    lines = []
    for item in items:
        url = getattr(item, "url", "") or ""
        shown = texts.get(id(item), item.title)
        lines.append(f"{depth}\0{type(item).__name__}\0{shown}\0{url}")
        children = getattr(item, "children", None)
        if children:
            lines += _nav_lines(children, texts, depth + 1)
    return lines


def _config_files(config: MkDocsConfig) -> list[str]:
    path = config.config_file_path
    if not path:
        return []
    files = [path]
    inherit = config.get("INHERIT")
    if inherit:
        files.append(os.path.join(os.path.dirname(path), str(inherit)))
    return files


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def _theme_files(folder: str) -> list[tuple[str, str]]:
    """The files of a theme folder a template may read, with size and time.

    An installed theme (under the interpreter's site-packages: Material with its
    ~10,000 icons) changes only when it is reinstalled, which replaces its
    folder: its folder's own times stand for it. A site's `custom_dir` is read
    file by file.
    """
    if any(folder.startswith(root + os.sep) for root in _INSTALLED):
        try:
            stat = os.stat(folder)
        except OSError:
            return []
        return [(folder, f"{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}")]
    return _tree(folder)


_INSTALLED = tuple(
    {path for path in (sysconfig.get_paths().get("purelib"), sysconfig.get_paths().get("platlib")) if path}
)


def _tree(folder: str) -> list[tuple[str, str]]:
    found = []
    for base, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            full = os.path.join(base, name)
            try:
                stat = os.stat(full)
            except OSError:
                continue
            found.append((full, f"{stat.st_size}:{stat.st_mtime_ns}"))
    return found
