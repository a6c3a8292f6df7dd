"""Shared helpers: build real MkDocs sites in a temporary folder and read them back."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
# scripts/site_snapshot.py: the whole-site byte comparison the tests share with the command line.
sys.path.insert(0, str(REPO / "scripts"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
SAMPLE = REPO / "content"

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@dataclass
class Site:
    root: Path  # the project folder holding mkdocs.yml
    site_dir: Path
    log: list[logging.LogRecord]

    def page(self, url: str) -> Path:
        """The HTML file behind a site-relative URL like `incidents/INC-2024-017/`."""
        target = self.site_dir / url
        return target / "index.html" if url.endswith("/") or url == "" else target

    def soup(self, url: str) -> BeautifulSoup:
        return BeautifulSoup(self.page(url).read_text("utf-8"), "html.parser")

    def article(self, url: str) -> BeautifulSoup:
        """The page's content area (no navigation, header or footer)."""
        article = self.soup(url).find("article")
        assert article is not None, url
        return article

    def text(self, url: str) -> str:
        return " ".join(self.article(url).get_text(" ", strip=True).split())

    def html_pages(self) -> list[Path]:
        return sorted(self.site_dir.rglob("*.html"))


def reliability(**entry: Any) -> None:
    """Append one case tried to the file named by LESSONS_RELIABILITY (scripts/reliability.py reads it)."""
    import json

    target = os.environ.get("LESSONS_RELIABILITY")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


def copy_kb(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def synthetic_kb(target: Path, incidents: int) -> Path:
    """A synthetic knowledge base of `incidents` incidents at `target` (benchmarks/synth.py, fixed seed)."""
    import site_snapshot  # puts benchmarks/ on the path, for its own builds

    return site_snapshot.synth.generate(target, incidents)


def write_config(project: Path, kb_root: Path, *, options: Optional[dict[str, Any]] = None, extra: Optional[dict[str, Any]] = None) -> Path:
    lessons = {"root": str(kb_root), "today": "2026-11-27", **(options or {})}
    config: dict[str, Any] = {
        "site_name": "Test KB",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material", "font": False},
        "plugins": ["search", {"lessons": lessons}],
        "validation": {"omitted_files": "warn", "absolute_links": "warn", "unrecognized_links": "warn", "anchors": "warn"},
        **(extra or {}),
    }
    (project / "docs").mkdir(parents=True, exist_ok=True)
    path = project / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def build(project: Path, *, strict: bool = True) -> Site:
    """`mkdocs build` of `project/mkdocs.yml`, in this process."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        config = load_config(str(project / "mkdocs.yml"), strict=strict)
        mkdocs_build(config)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return Site(project, Path(config.site_dir), handler.records)


@pytest.fixture
def build_kb(tmp_path: Path):
    """Build a site from a knowledge-base folder: build_kb(MINIMAL, include_drafts=True)."""

    def _build(kb: Path, strict: bool = True, extra: Optional[dict[str, Any]] = None, **options: Any) -> Site:
        project = tmp_path / f"project{len(list(tmp_path.glob('project*')))}"
        project.mkdir()
        write_config(project, kb, options=options, extra=extra)
        return build(project, strict=strict)

    return _build


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Site:
    """The repository's own mkdocs.yml and content/, built with --strict, once per test run."""
    project = tmp_path_factory.mktemp("sample")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["docs_dir"] = str(REPO / "docs")
    config["site_dir"] = str(project / "site")
    for entry in config["plugins"]:
        if isinstance(entry, dict) and "lessons" in entry:
            entry["lessons"] = {**(entry["lessons"] or {}), "root": str(SAMPLE), "today": "2026-11-27"}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return build(project, strict=True)


def internal_links(site: Site) -> Iterator[tuple[Path, str, Path, str]]:
    """Every internal link of every page: (page, href, target file, fragment)."""
    for page in site.html_pages():
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link", "script", "img"]):
            href = tag.get("href") or tag.get("src")
            if not href:
                continue
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "#")):
                continue
            path = unquote(parts.path)
            # 404.html uses absolute links (it can be served from any depth).
            base = site.site_dir if path.startswith("/") else page.parent
            target = (base / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            yield page, href, target, parts.fragment


# -- real browser (Playwright driving Debian's Chromium) ---------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session; tests open their own pages."""
    import shutil as _shutil

    from playwright.sync_api import sync_playwright

    executable = os.environ.get("LESSONS_CHROMIUM") or _shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context and page; fails the test on any console error."""
    context = chromium.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.console_errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


@pytest.fixture(scope="session")
def serve():
    """serve(site_dir) -> base URL of a static HTTP server on 127.0.0.1."""
    import functools
    import http.server
    import threading

    servers = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    def _serve(directory: Path) -> str:
        handler = functools.partial(Quiet, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield _serve
    for server in servers:
        server.shutdown()
        server.server_close()


def serve_rebuild(config: Any) -> None:
    """What `mkdocs serve` runs after a save: its build call, wrapped as the plugin's `on_serve` wraps it."""
    from mkdocs.commands import serve as serve_command

    from mkdocs_lessons.adapter.serve_cache import in_place

    # As serve.py's builder does: it looks `build` up in its module when it runs.
    in_place(lambda: serve_command.build(config, serve_url=None, dirty=False))()


def watched_page(chromium: Any, base: str, scheme: str) -> tuple[Any, Any, list[str], list[str]]:
    """A 1280 px page in the `scheme` palette that notes console errors and every request outside `base`.

    Returns (context, page, errors, outside); the caller closes the context.
    Nothing may be fetched from outside the site (intranets have no internet).
    """
    context = chromium.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(base) else None)
    return context, page, errors, outside
