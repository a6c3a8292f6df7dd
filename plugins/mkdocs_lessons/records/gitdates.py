"""When each record file last changed, read from git history in one call.

`git log` walks the history of the knowledge-base folder once and lists the
files of every commit, newest first; the first date seen for a file is its
last change. One call for the whole folder, not one per record: a knowledge
base of thousands of records costs one process, not thousands.

Without git, outside a repository, or when git fails, the answer is simply
empty and pages show no date, so a build stays the same everywhere. In a
shallow clone (CI checkouts often fetch one commit) the oldest commit that
was fetched pretends to add every file; dates seen only there are dropped
rather than shown wrong.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional

GIT_TIMEOUT_SECONDS = 120

# Record separator before each commit, unit separator between its fields;
# file names come NUL-terminated (`-z`), so no name needs unquoting.
_RS, _US = "\x1e", "\x1f"


@dataclass
class GitDates:
    """Last-change dates by resolved file path, and why there are none when there are none."""

    dates: dict[Path, date] = field(default_factory=dict)
    note: str = ""  # e.g. "not a git repository"; empty when git answered
    shallow: bool = False

    def get(self, file: Optional[Path]) -> Optional[date]:
        if file is None:
            return None
        return self.dates.get(file.resolve())


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    return subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=GIT_TIMEOUT_SECONDS,
        env=env,
        check=False,
    )


def parse_log(output: str, root: Path, *, shallow: bool = False) -> dict[Path, date]:
    """Parse `git log -z --format=%x1e%cd%x1f%P --name-only --relative` output."""
    found: dict[Path, date] = {}
    for chunk in output.split(_RS):
        if not chunk:
            continue
        header, _, names = chunk.partition("\0")
        day_text, _, parents = header.partition(_US)
        if shallow and not parents.strip():
            # The boundary of a shallow clone lists every file it holds as
            # added on its own date: not a real change date.
            continue
        try:
            day = date.fromisoformat(day_text.strip())
        except ValueError:
            continue
        for name in names.split("\0"):
            name = name.strip("\n")
            if name:
                found.setdefault((root / name).resolve(), day)
    return found


def last_changed(root: Path) -> GitDates:
    """Last-change date of every file under `root` that git knows, from one `git log`."""
    root = root.resolve()
    try:
        probe = _git(root, "rev-parse", "--is-shallow-repository")
        if probe.returncode != 0:
            reason = probe.stderr.strip().splitlines()
            return GitDates(note=reason[-1] if reason else "not a git repository")
        shallow = probe.stdout.strip() == "true"
        log = _git(
            root,
            "-c",
            "log.showSignature=false",
            "log",
            "-z",
            "--no-color",
            "--no-renames",
            "--date=short",
            f"--format={_RS}%cd{_US}%P",
            "--name-only",
            "--relative",
            "--",
            ".",
        )
    except FileNotFoundError:
        return GitDates(note="git is not installed")
    except (OSError, subprocess.TimeoutExpired) as error:
        return GitDates(note=f"git could not be run ({error})")
    if log.returncode != 0:
        reason = log.stderr.strip().splitlines()
        # A repository without any commit yet says so here: nothing to show.
        return GitDates(note=reason[-1] if reason else "git log failed", shallow=shallow)
    return GitDates(parse_log(log.stdout, root, shallow=shallow), shallow=shallow)
