"""Pagefind, the optional search engine for large knowledge bases.

Material's built-in search ships one JSON index that every reader downloads
(65 MB at 10,000 pages). Pagefind splits its index into small chunks that
the browser fetches on demand. We run the `pagefind` binary from the PyPI
package after the site is written; no MkDocs imports here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: Keep ids like INC-2024-017 and SOP-007@2 as single words in the index.
INCLUDE_CHARACTERS = "-@"


class PagefindError(RuntimeError):
    pass


def available() -> bool:
    try:
        from pagefind.service import _must_get_executable  # noqa: F401
    except ImportError:
        return False
    return True


def run_pagefind(site_dir: Path, output_subdir: str) -> str:
    """Index every page marked `data-pagefind-body` under `site_dir`; returns Pagefind's summary."""
    if not available():
        raise PagefindError("search: pagefind needs the Pagefind binary: pip install 'mkdocs-lessons[pagefind]'")
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--output-subdir",
        output_subdir,
        f"--include-characters={INCLUDE_CHARACTERS}",
        "--quiet",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PagefindError(f"Pagefind failed ({result.returncode}): {(result.stderr or result.stdout).strip()}")
    return (result.stdout or "").strip()
