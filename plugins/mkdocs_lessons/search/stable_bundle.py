"""Pagefind's bundle made byte-stable: the same pages give the same files.

Pagefind 1.5 writes each filter's values (a facet such as `team`, with the
pages of each value) in the order of a Rust hash map, which changes from
run to run. The chunk's name is a hash of its bytes, the language's
metadata file lists the chunks by name, and `pagefind-entry.json` names the
metadata file by its hash: so two builds of the same site differed in all
of them, and a deploy shipped a new search bundle every time. Pagefind's
maintainers fixed the page fragments in 1.3 and left these
(github.com/Pagefind/pagefind/issues/638).

After a run we put each filter's values in order, name the chunk after its
new bytes, list the filters by name in the metadata and name that after
its bytes too. The files are gzip over `pagefind_dcd` + CBOR; `cbor2`
gives back Pagefind's own bytes when it re-encodes what it read (tested),
so nothing but the order changes. Only what a run just wrote is touched.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import cbor2

#: What Pagefind puts before the CBOR in each of its data files (after gzip).
SIGNATURE = b"pagefind_dcd"

#: Pagefind's name lengths: `en_` + 7 hex digits for a filter chunk, + 10 for a metadata file.
FILTER_DIGITS = 7
META_DIGITS = 10


class BundleError(RuntimeError):
    """The bundle is not shaped as Pagefind 1.5 writes it."""


def _read(path: Path) -> Any:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise BundleError(f"{path.name}: not a Pagefind data file")
    return cbor2.loads(data[len(SIGNATURE) :])


def _encode(value: Any) -> bytes:
    # mtime 0: the gzip header holds no time, so the same value gives the same bytes.
    return gzip.compress(SIGNATURE + cbor2.dumps(value), compresslevel=9, mtime=0)


def _name(language: str, data: bytes, digits: int) -> str:
    return f"{language}_{hashlib.sha256(data).hexdigest()[:digits]}"


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def stabilise(bundle: Path) -> None:
    """Put the filter chunks and the metadata files of the Pagefind bundle in `bundle` in a fixed order.

    On a bundle shaped otherwise (`BundleError`, a later Pagefind), the bundle is left as Pagefind wrote it.
    """
    written: list[Path] = []
    try:
        retired = _stabilise(bundle, written)
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    # Last: the new entry names only new files, so a reader mid-way never meets a missing one.
    for path in retired:
        if path not in written:
            path.unlink(missing_ok=True)


def _stabilise(bundle: Path, written: list[Path]) -> list[Path]:
    """Write the ordered files beside Pagefind's (each noted in `written`), then the entry; returns the old files."""
    entry_path = bundle / "pagefind-entry.json"
    entry_text = entry_path.read_text("utf-8")
    entry = json.loads(entry_text)
    retired: list[Path] = []
    for language in sorted(entry.get("languages", {})):
        old_hash = entry["languages"][language]["hash"]
        prefix = old_hash.rsplit("_", 1)[0]
        meta_path = bundle / f"pagefind.{old_hash}.pf_meta"
        meta = _read(meta_path)
        # [version, pages, index chunks, filters [[name, chunk]], sorts, meta fields]
        if not (isinstance(meta, list) and len(meta) > 3 and isinstance(meta[3], list)):
            raise BundleError(f"{meta_path.name}: no list of filters where Pagefind 1.5 keeps it")
        filters = []
        for name, chunk in meta[3]:
            chunk_path = bundle / "filter" / f"{chunk}.pf_filter"
            # [filter name, [[value, [page numbers]], ...]]: the values in order, each with its pages as written.
            chunk_data = _read(chunk_path)
            if not (isinstance(chunk_data, list) and len(chunk_data) == 2 and isinstance(chunk_data[1], list)):
                raise BundleError(f"{chunk_path.name}: not a filter's name and values")
            filter_name, values = chunk_data
            data = _encode([filter_name, sorted(values, key=lambda value: value[0])])
            new_chunk = _name(prefix, data, FILTER_DIGITS)
            if new_chunk != chunk:
                written.append(bundle / "filter" / f"{new_chunk}.pf_filter")
                _write(written[-1], data)
                retired.append(chunk_path)
            filters.append([name, new_chunk])
        meta[3] = sorted(filters)
        data = _encode(meta)
        new_hash = _name(prefix, data, META_DIGITS)
        if new_hash != old_hash:
            written.append(bundle / f"pagefind.{new_hash}.pf_meta")
            _write(written[-1], data)
            retired.append(meta_path)
            # The entry file as Pagefind wrote it, but for the one name (a quoted hash is unique in it).
            quoted = json.dumps(old_hash)
            if entry_text.count(quoted) != 1:
                raise BundleError(f"pagefind-entry.json: {old_hash} is not named once")
            entry_text = entry_text.replace(quoted, json.dumps(new_hash))
    _write(entry_path, entry_text.encode("utf-8"))
    return retired
