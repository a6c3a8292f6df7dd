"""The fast first read of many records on every core, for `lessons validate`.

Reading a record fast (`fastyaml`) is mostly yaml-rs building Python objects,
and one process can use one core. Forked workers read and schema-check their
share of the files and send each good record back as JSON text, which the
main process decodes about three times faster than yaml-rs reads YAML (the
JSON decoder is C). Any file a worker cannot read fast, or whose record fails
its schema, comes back empty and is read by the main process the usual way,
so messages and positions are exactly those of a serial run.

Only where `fork` exists and there is enough to share: spawning fresh
interpreters costs more than it saves, and a process with threads (`mkdocs
serve`) must not fork. The build never uses this; the command line does.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path
from typing import Optional

from . import fastyaml, schema
from .yamlsource import MAX_FILE_BYTES, Document

#: Below this many record files, one process is faster than starting workers.
MIN_FILES = 2000
_CHUNK = 250


def _read_chunk(chunk: list[tuple[str, str]]) -> list[tuple[str, Optional[str]]]:
    out: list[tuple[str, Optional[str]]] = []
    for path, kind in chunk:
        encoded: Optional[str] = None
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
            if len(raw) <= MAX_FILE_BYTES:
                data = fastyaml.read(raw.decode("utf-8-sig"))
                if data is not None and schema.is_valid(data, kind):
                    encoded = json.dumps(data, ensure_ascii=False)
        except (OSError, UnicodeDecodeError, ValueError, TypeError):
            encoded = None  # the main process reads it and reports what is wrong
        out.append((path, encoded))
    return out


def workers_available() -> int:
    if not fastyaml.AVAILABLE or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def prefetch(files: list[tuple[Path, str]], workers: int) -> dict[Path, Document]:
    """Documents read fast and found valid, by file; files missing here are read as usual.

    `files` pairs each record file with its kind. Each document comes with
    its schema verdict, so it is not checked again.
    """
    if workers < 2 or len(files) < MIN_FILES:
        return {}
    jobs = [[(str(f), kind) for f, kind in files[i : i + _CHUNK]] for i in range(0, len(files), _CHUNK)]
    kinds = {str(f): (f, kind) for f, kind in files}
    found: dict[Path, Document] = {}
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for chunk in pool.imap(_read_chunk, jobs):
            for path, encoded in chunk:
                if encoded is None:
                    continue
                file, kind = kinds[path]
                doc = Document(path="", file=file, data=json.loads(encoded), fast=True)
                doc.schema_problems[kind] = []
                found[file] = doc
    return found
