"""Search at size: what a reader downloads and waits for, and what the build spends on the index.

For each size, a synthetic knowledge base (synth.py) is built with the
default engine (Pagefind behind the header box) in a fresh process. Then
the site is served on 127.0.0.1 (no compression, so bytes are an upper
bound) and Chromium opens the home page, presses "/" and types a query
with 60-150 ms between keys:
- `bytes_home_and_query`: every byte the server sent from the home page's
  request to the settled results (HTML, CSS, JS, Pagefind's chunks);
- `first_result_ms`: from the last key to the results shown for it;
- `index_s`: the Pagefind run inside the build (the plugin's phase timer);
- `build_s`: the whole build, start to exit.

    PYTHONPATH=$PWD/plugins .venv/bin/python benchmarks/bench_search.py --incidents 1000 5000 10000 --json benchmarks/results/search.json
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sites  # noqa: E402
import synth  # noqa: E402

QUERIES = ("database failover",)  # after an id that exists at the size


class _Counting(http.server.SimpleHTTPRequestHandler):
    sent = 0
    files: dict[str, int] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def copyfile(self, source: Any, outputfile: Any) -> None:
        data = source.read()
        type(self).sent += len(data)
        kind = self.path.split("?")[0]
        kind = "pagefind/index" if "/pagefind/index/" in kind else "pagefind/fragment" if "/pagefind/fragment/" in kind else "pagefind/filter" if "/pagefind/filter/" in kind else kind
        type(self).files[kind] = type(self).files.get(kind, 0) + len(data)
        outputfile.write(data)


def _serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, type[_Counting]]:
    handler = type("Handler", (_Counting,), {"sent": 0, "files": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def _reader(site: Path, query: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    server, handler = _serve(site)
    base = f"http://127.0.0.1:{server.server_port}/"
    rng = random.Random(19)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            handler.sent, handler.files = 0, {}
            page.goto(base)
            page.keyboard.press("/")
            box = page.locator("[data-lessons-search] .md-search__input")
            for key in query[:-1]:
                box.press(key if key != " " else "Space")
                page.wait_for_timeout(rng.randint(60, 150))
            box.press(query[-1])
            last_key = time.perf_counter()
            page.wait_for_function(
                "q => document.querySelector('[data-lessons-search]').getAttribute('data-lessons-settled') === q", arg=query, timeout=60_000, polling=10
            )
            waited = (time.perf_counter() - last_key) * 1000
            first = page.eval_on_selector("[data-lessons-search] .md-search-result__link", "a => a.pathname")
            page.wait_for_timeout(500)  # fragments still arriving count too
            browser.close()
    finally:
        server.shutdown()
    largest = dict(sorted(handler.files.items(), key=lambda item: -item[1])[:6])
    return {"query": query, "bytes_home_and_query": handler.sent, "first_result_ms": round(waited), "first_result": first, "largest": largest}


def measure(incidents: int, work: Path, *, build: bool = True) -> dict[str, Any]:
    kb = work / "kb"
    if not (work / "kb.done").exists():
        synth.generate(kb, incidents)
        (work / "kb.done").write_text("")
    an_id = sorted(p.stem for p in kb.rglob("INC-*.yaml"))[incidents // 2]
    phases_file = work / "phases.json"
    config = sites.plugin_config(work / "site", kb, search="pagefind", phases_file=phases_file)
    site = config.parent / "site"
    built_file = work / "built.json"
    if build or not built_file.exists():
        env = sites.child_env()
        env["LESSONS_BENCH_PHASES"] = str(phases_file)
        built = sites.run_build(config, work / "build.log", env)
        phases = json.loads(phases_file.read_text("utf-8"))
        bundle = site / "pagefind"
        facts = {
            "incidents": incidents,
            "build_s": round(built["wall"], 1),
            "index_s": round(phases.get("search index", 0.0), 1),
            "bundle_mb": round(sites.tree_size(bundle) / sites.ONE_MB, 1),
            "words_json_kb": round((site / "search" / "words.json").stat().st_size / 1024),
        }
        built_file.write_text(json.dumps(facts), "utf-8")
    else:
        # The site of an earlier run, with this checkout's search script (what the reader part measures).
        facts = json.loads(built_file.read_text("utf-8"))
        source = sites.PLUGINS / "mkdocs_lessons" / "assets" / "search.js"
        (site / "assets" / "lessons" / "search.js").write_bytes(source.read_bytes())
    return {**facts, "readers": [_reader(site, query) for query in (an_id, *QUERIES)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--incidents", type=int, nargs="+", default=[1000])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--work", type=Path, help="keep the knowledge bases and sites here (reused by a later run)")
    parser.add_argument("--readers-only", action="store_true", help="with --work: reuse the built sites, measure the reader part again")
    args = parser.parse_args()
    sites.compile_plugin()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-search-") as temporary:
        for count in args.incidents:
            work = (args.work or Path(temporary)) / str(count)
            work.mkdir(parents=True, exist_ok=True)
            results.append(measure(count, work, build=not args.readers_only))
            print(json.dumps(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
