"""Pagefind, the search engine: the index run after the site is written.

Material's built-in search ships one JSON index that every reader downloads
(127 MB at 10,000 incidents). Pagefind splits its index into small chunks
that the browser fetches on demand; it is the default engine, behind the
header's search box (adapter/header_search.py). We run the `pagefind` binary from the PyPI
package after the site is written; no MkDocs imports here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Optional

from mkdocs_lessons.search import stable_bundle

#: Keep ids like INC-2024-017 and SOP-007@2 as single words in the index.
INCLUDE_CHARACTERS = "-@"


#: How much lower the background index runs than the build (`nice -n`): 19 is the lowest.
BACKGROUND_NICENESS = 15


#: Runs under way, by output folder (`stop_run`).
_RUNS: dict[str, "subprocess.Popen[str]"] = {}
_RUNS_LOCK = threading.Lock()


class PagefindError(RuntimeError):
    pass


def available() -> bool:
    # `get_executable` is the package's public lookup, the one `python -m pagefind` runs: the PyPI binary,
    # PAGEFIND_BINARY_PATH, or one on PATH. None when there is none, so a missing binary gets our message.
    try:
        from pagefind.service import get_executable
    except ImportError:
        return False
    return get_executable() is not None


def run_pagefind(
    site_dir: Path,
    output_subdir: str,
    output_path: Optional[Path] = None,
    *,
    background: bool = False,
    source: Optional[Path] = None,
) -> str:
    """Index every page marked `data-pagefind-body` under `site_dir` into `output_subdir` (or `output_path`); returns
    Pagefind's summary. `background`: at a lower priority, so the build a person waits for gets the cores first.
    `source`: the folder Pagefind reads instead of the site, its pages cut to what it indexes (search/index_input.py).
    """
    if not available():
        raise PagefindError("search: pagefind needs the Pagefind binary: pip install 'mkdocs-lessons[pagefind]'")
    bundle = output_path if output_path is not None else site_dir / output_subdir
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(source or site_dir),
        "--output-path",
        str(bundle),
        f"--include-characters={INCLUDE_CHARACTERS}",
        "--quiet",
    ]
    nice = shutil.which("nice") if background else None
    if nice:
        # Under `mkdocs serve` the index follows each rebuild (adapter/serve_search.py). Pagefind takes every core
        # it finds, so a save made while it runs would wait for it; niced, the rebuild goes first.
        command = [nice, "-n", str(BACKGROUND_NICENESS), *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    key = str(output_path)
    with _RUNS_LOCK:
        _RUNS[key] = process
    try:
        stdout, stderr = process.communicate()
    finally:
        with _RUNS_LOCK:
            if _RUNS.get(key) is process:
                del _RUNS[key]
    if process.returncode != 0:
        raise PagefindError(f"Pagefind failed ({process.returncode}): {(stderr or stdout).strip()}")
    summary = (stdout or "").strip()
    try:
        stable_bundle.stabilise(bundle)
    except (stable_bundle.BundleError, ValueError, KeyError, TypeError, OSError) as exc:
        # The index works as Pagefind wrote it; only two builds of the same site may differ in its filter files.
        summary = f"{summary} (filter files left in Pagefind's order: {exc})".strip()
    return summary


def stop_run(output_path: Path) -> bool:
    """Stop the run writing into `output_path`, if one is under way; True if there was one to stop.

    Under `mkdocs serve` a newer build makes an older build's index stale (adapter/serve_search.py): at 10,000
    incidents a run takes a minute and gigabytes, and saves made meanwhile would pile runs up.
    """
    with _RUNS_LOCK:
        process = _RUNS.get(str(output_path))
    if process is None or process.poll() is not None:
        return False
    process.terminate()  # `python -m pagefind` execs the binary (POSIX): the same process
    return True
