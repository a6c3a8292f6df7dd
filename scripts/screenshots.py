"""Screenshots of the sample site for the README, taken in Debian's Chromium (never by hand).

    python scripts/screenshots.py                 # build the sample site, write screenshots/*.png
    python scripts/screenshots.py --site DIR      # shoot an already built site
    python scripts/screenshots.py --out DIR --width 390

Each page is shot in both palettes (light and dark, as `prefers-color-scheme`
picks them), the top of the page at the given width (default 1366 px).
Nothing is loaded from outside the site: the server is local.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# name -> (site-relative URL, what to do first: a search query to type, or "")
PAGES: dict[str, tuple[str, str]] = {
    "home": ("", ""),
    "incident": ("incidents/INC-2024-017/", ""),
    "sop-version": ("sops/SOP-001/v2/", ""),
    "dashboard": ("dashboard/", ""),
    "path": ("paths/new-engineer/", ""),
    "search": ("", "checkout"),
}


def build(target: Path) -> Path:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "1795737600"))
    mkdocs = Path(sys.executable).with_name("mkdocs")
    subprocess.run([str(mkdocs), "build", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(target)], check=True, env=env, cwd=REPO)
    return target


def shoot(site: Path, out: Path, width: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    executable = os.environ.get("LESSONS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    written = []
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
            for scheme in ("light", "dark"):
                context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
                page = context.new_page()
                for name, (url, query) in PAGES.items():
                    page.goto(base + url)
                    page.wait_for_load_state("networkidle")
                    if query:
                        page.keyboard.press("/")  # Material's search shortcut
                        page.keyboard.type(query)
                        page.wait_for_selector(".md-search-result__item", timeout=10_000)
                    target = out / f"{name}-{scheme}{'' if width == 1366 else f'-{width}'}.png"
                    page.screenshot(path=str(target))
                    written.append(target)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build the sample)")
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--width", type=int, default=1366)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lessons-shots-") as scratch:
        site = args.site or build(Path(scratch) / "site")
        for path in shoot(site, args.out, args.width):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
