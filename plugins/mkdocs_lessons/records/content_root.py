"""One content root, no escape: which paths under the knowledge base may be read.

`Path.glob`, `os.scandir` and `open` follow symbolic links anywhere, so a
link in `incidents/` to a secret elsewhere would be parsed, and its values
quoted back in error messages and pages. Everything that lists or opens
record files goes through here first:

- a link whose target, resolved, lies outside the knowledge base's root is an
  error at the link's own path, and nothing of the target is read or named;
- a link inside the root to another file inside it is followed;
- dangling links, link loops, folders named like a record, unreadable files
  and unreadable folders are errors at their path, never tracebacks and never
  silence.

Only links cost a `realpath`: an ordinary entry of a listed folder is judged
from its directory entry, so a rebuild of 10,000 records stats nothing more.
It imports nothing from MkDocs.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from mkdocs_lessons.diagnostics import Diagnostic

FILE, FOLDER, MISSING, OTHER, PROBLEM = "file", "folder", "missing", "other", "problem"

OUTSIDE = "a symbolic link that points outside the knowledge base; only files inside it are read"


@dataclass(frozen=True)
class Probe:
    """What a path is, as far as reading records goes: `kind` and, for PROBLEM, why."""

    kind: str
    problem: str = ""
    rule: str = ""

    def diagnostic(self, display: str) -> Diagnostic:
        """The located error for a PROBLEM (or a folder or special file where a record was expected)."""
        if self.kind == FOLDER:
            return Diagnostic(display, 1, 1, "file", "a folder named like a record; a record is a file", "not-a-file")
        if self.kind == OTHER:
            return Diagnostic(
                display, 1, 1, "file", "not a regular file (a device, pipe or socket); a record is a file", "not-a-file"
            )
        return Diagnostic(display, 1, 1, "file", self.problem, self.rule)


def _oserror(exc: OSError, what: str = "") -> Probe:
    """An OSError as a located problem (its text, never a traceback)."""
    if exc.errno == errno.ELOOP:
        return Probe(PROBLEM, "a symbolic link loop; it never reaches a file", "symlink-loop")
    reason = exc.strerror or exc.__class__.__name__
    return Probe(PROBLEM, f"cannot read{' ' + what if what else ''}: {reason}", "unreadable")


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return FILE
    if stat.S_ISDIR(mode):
        return FOLDER
    return OTHER


class ContentRoot:
    """The knowledge base's root, resolved once; judges paths and directory entries under it."""

    def __init__(self, root: Union[str, Path]) -> None:
        self.real = os.path.realpath(root)
        self._prefix = self.real.rstrip(os.sep) + os.sep

    def contains(self, real: str) -> bool:
        """Whether a resolved path is the root or lies below it."""
        return real == self.real or real.startswith(self._prefix)

    def probe(self, path: Union[str, Path]) -> Probe:
        """Judge a path by lstat, resolving it only when it is a link (or lies under one)."""
        path = os.fspath(path)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return Probe(MISSING)
        except OSError as exc:
            return _oserror(exc)
        if not stat.S_ISLNK(info.st_mode):
            return Probe(_kind(info.st_mode))
        return self._follow(path)

    def _follow(self, path: str) -> Probe:
        """A symbolic link: refuse a target outside the root before touching it, then stat it."""
        if not self.contains(os.path.realpath(path)):
            return Probe(PROBLEM, OUTSIDE, "symlink-outside")
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return Probe(PROBLEM, "a dangling symbolic link: its target does not exist", "symlink-dangling")
        except OSError as exc:
            return _oserror(exc, "its target")
        return Probe(_kind(info.st_mode))

    def entry(self, entry: os.DirEntry) -> Probe:
        """Judge an entry of a folder already judged: no system call unless it is a link."""
        try:
            if entry.is_symlink():
                return self._follow(entry.path)
            if entry.is_file(follow_symlinks=False):
                return Probe(FILE)
            if entry.is_dir(follow_symlinks=False):
                return Probe(FOLDER)
        except OSError as exc:
            return _oserror(exc)
        return Probe(OTHER)

    def folder(self, directory: Union[str, Path]) -> tuple[Optional[list[os.DirEntry]], Probe]:
        """List a folder of records: (entries, probe); entries is None unless it is a readable folder.

        The folder itself is judged first (it may be a link out of the root);
        then it is listed, and an unreadable folder is a problem, not a traceback.
        """
        probe = self.probe(directory)
        if probe.kind == FOLDER and not self.contains(os.path.realpath(directory)):
            # A folder reached through a linked parent: the same rule as a link.
            probe = Probe(PROBLEM, OUTSIDE, "symlink-outside")
        if probe.kind != FOLDER:
            return None, probe
        try:
            with os.scandir(directory) as listing:
                return list(listing), probe
        except OSError as exc:
            return None, _oserror(exc, "the folder")

    def inside(self, path: Union[str, Path]) -> bool:
        """Whether a path (existing or about to be written) resolves inside the root."""
        return self.contains(os.path.realpath(path))
