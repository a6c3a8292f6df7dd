"""Under `mkdocs serve`: the last build's theme output of generated pages that did not change.

MkDocs' `serve` rebuilds the whole site on every save, and it puts every
page through the theme's template again (Material's `main.html`, a few
milliseconds a page) and through Material's search indexer (which parses
the page's HTML). At 1,000 incidents that was most of the 20-30 s before an
edit showed. A generated page whose theme output cannot have changed is
given its last output instead, through a one-line template, and its search
entries are replayed.

The key of a page is everything its theme output is made of:
- the page: its HTML after every plugin's `on_page_content`, title, front
  matter, table of contents, URL, edit and canonical URLs, previous and next
  pages;
- the site: the navigation (every entry's title and URL: the sidebar and
  tabs of every page show it), the config file's bytes (and those of the
  file it INHERITs), and every file of the theme's template folders (name,
  size, modification time), which include a site's `custom_dir`.
What the key leaves out: values a template could read that are not in
that list, such as the build time (`build_date_utc`); Material's templates
print none of them. Hand-written pages are never cached.

The output kept is the template's, before any plugin's `on_post_page`, so
those hooks run on every build as they would. One-off builds keep nothing.
"""

from __future__ import annotations

import hashlib
import os
import sysconfig
from pathlib import Path
from typing import Any, Optional

from jinja2 import ChoiceLoader, DictLoader, Environment
from jinja2.bccache import BytecodeCache, Bucket
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

#: The one-line template a page whose output is kept is rendered with.
TEMPLATE = "lessons-serve-cache.html"
_VARIABLE = "lessons_cached_output"


class ServeCache:
    """Theme output and search entries of generated pages, from one serve build to the next."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[str, str, Optional[list[dict[str, Any]]]]] = {}  # src_uri -> (key, output, search entries)
        self._next: dict[str, tuple[str, str, Optional[list[dict[str, Any]]]]] = {}
        self._keys: dict[str, str] = {}  # this build's key per page
        self._hits: dict[str, tuple[str, str, Optional[list[dict[str, Any]]]]] = {}
        self._entries: dict[str, list[dict[str, Any]]] = {}
        self._site = ""
        self.reused = 0  # pages given their last output in this build (tests and the benchmark read it)
        self.checked = 0  # generated pages this build
        self._bytecode = _MemoryBytecodeCache()

    # -- once a build ---------------------------------------------------------
    def start(self, config: MkDocsConfig, nav: Navigation) -> None:
        """A new build: the site's share of every key."""
        self._next, self._keys, self._hits, self._entries = {}, {}, {}, {}
        self.reused = self.checked = 0
        digest = hashlib.sha256()
        for item in _nav_lines(nav.items):
            digest.update(item.encode("utf-8", "surrogatepass") + b"\0")
        for path in _config_files(config):
            digest.update(path.encode() + b"\0" + _read(path) + b"\0")
        for folder in config.theme.dirs:
            for name, stat in _theme_files(folder):
                digest.update(f"{name}\0{stat}\0".encode())
        self._site = digest.hexdigest()

    def install(self, env: Environment) -> None:
        """Let the theme's environment render the one-line template, and keep its compiled templates.

        MkDocs makes a new theme environment for every build, which compiles
        Material's templates again (about 40 of them); their bytecode is kept
        here, and Jinja checks each against its source's checksum before use.
        """
        env.loader = ChoiceLoader([DictLoader({TEMPLATE: "{{ %s }}" % _VARIABLE}), env.loader])  # type: ignore[list-item]
        env.bytecode_cache = self._bytecode

    def finish(self) -> None:
        """The build is written: what it made is what the next build can reuse."""
        self._kept = self._next
        self._next, self._hits, self._keys, self._entries = {}, {}, {}, {}

    # -- per page ----------------------------------------------------------
    def check(self, page: Page) -> bool:
        """After `on_page_content`: True when the page's last output still holds (then it is used)."""
        key = _page_key(self._site, page)
        uri = page.file.src_uri
        self._keys[uri] = key
        self.checked += 1
        kept = self._kept.get(uri)
        if kept is not None and kept[0] == key:
            self._hits[uri] = kept
            page.meta["template"] = TEMPLATE
            return True
        return False

    def context(self, context: Any, page: Page) -> Any:
        hit = self._hits.get(page.file.src_uri)
        if hit is not None:
            context[_VARIABLE] = hit[1]
        return context

    def search_entries(self, page: Page) -> Optional[list[dict[str, Any]]]:
        """The page's search entries of the last build, when its output is reused."""
        hit = self._hits.get(page.file.src_uri)
        return None if hit is None else hit[2]

    def indexed(self, page: Page, entries: list[dict[str, Any]]) -> None:
        self._entries[page.file.src_uri] = entries

    def output(self, page: Page, output: str) -> None:
        """Before any `on_post_page`: keep the template's output under the page's key."""
        uri = page.file.src_uri
        hit = self._hits.get(uri)
        if hit is not None:
            self._next[uri] = hit
            self.reused += 1
        elif uri in self._keys:
            self._next[uri] = (self._keys[uri], output, self._entries.get(uri))


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


def wrap_search(plugins: Any, cache: "ServeCache") -> None:
    """Material's search plugin indexes a page in `on_page_context`: replay a reused page's entries instead.

    Only under `mkdocs serve`. The wrapper replaces that plugin's method in
    MkDocs' event list for this build (MkDocs registered the bound method when
    it loaded the config, which it does again for every rebuild).
    """
    plugin = next((p for name, p in plugins.items() if name in ("material/search", "search")), None)
    if plugin is None or not hasattr(plugin, "search_index"):
        return
    original = type(plugin).on_page_context.__get__(plugin)
    events = plugins.events["page_context"]
    at = next((i for i, method in enumerate(events) if getattr(method, "__self__", None) is plugin), None)
    if at is None:
        return

    def on_page_context(context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        index = getattr(plugin, "search_index", None)
        if index is None or not plugin.config.enabled:
            return original(context, page=page, config=config, nav=nav)
        entries = cache.search_entries(page)
        if entries is not None:
            index.entries.extend(dict(entry) for entry in entries)
            return context
        before = len(index.entries)
        result = original(context, page=page, config=config, nav=nav)
        cache.indexed(page, [dict(entry) for entry in index.entries[before:]])
        return result

    on_page_context.mkdocs_priority = getattr(original, "mkdocs_priority", 0)  # type: ignore[attr-defined]
    events[at] = on_page_context


def _page_key(site: str, page: Page) -> str:
    digest = hashlib.sha256(site.encode())
    toc = "".join(_toc_lines(page.toc))
    neighbours = [(p.title, p.url) if p is not None else None for p in (page.previous_page, page.next_page)]
    parts = (page.content or "", str(page.title), repr(sorted(page.meta.items(), key=lambda kv: str(kv[0]))), toc, page.url, str(page.edit_url), str(page.canonical_url), repr(neighbours))
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _toc_lines(items: Any, depth: int = 0) -> list[str]:
    lines = []
    for item in items:
        lines.append(f"{depth}\0{item.title}\0{item.id}\n")
        lines += _toc_lines(item.children, depth + 1)
    return lines


def _nav_lines(items: Any, depth: int = 0) -> list[str]:
    lines = []
    for item in items:
        url = getattr(item, "url", "") or ""
        lines.append(f"{depth}\0{type(item).__name__}\0{item.title}\0{url}")
        children = getattr(item, "children", None)
        if children:
            lines += _nav_lines(children, depth + 1)
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


_INSTALLED = tuple({path for path in (sysconfig.get_paths().get("purelib"), sysconfig.get_paths().get("platlib")) if path})


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
