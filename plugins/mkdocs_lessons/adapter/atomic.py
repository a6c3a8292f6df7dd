"""Atomic output: `mkdocs build` replaces the last good site only with a complete one.

A non-dirty MkDocs build empties `site_dir` first and then writes page after
page, so a build that fails (a `strict` warning, a plugin error, a full
disk) or is killed (`kill -9`, a CI timeout, a laptop lid) leaves half a
site, or none, where the last good one was, and a web server that serves
the folder serves that. Here the build writes into a staging folder beside
`site_dir` (`.site.lessons-building-<pid>`) and the finished site is swapped
in at the very end, after `strict` had its say: on Linux with one atomic
`renameat2(RENAME_EXCHANGE)`, elsewhere with two renames a moment apart.
A failed build removes its staging folder; a killed one leaves it, and the
next build removes every staging folder whose process is gone.

Left alone:
- `mkdocs serve` builds into a temporary folder of its own and serves it;
  that folder is only ever read by the server between builds.
- `--dirty` builds update the existing site in place (that is what they are
  for; copying a large site first would cost more than the build): a killed
  dirty build leaves old and new pages mixed, but never an empty site.

Plugins that run after the swap and read `config.site_dir` write into the
final site, since it is restored then. MkDocs' own `strict` check runs after
every `on_post_build`, so whether it will abort is read from its counter.

Single record files that must never replace an existing one are records/write.py's.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import re
import shutil
import stat
from typing import Any, Optional

from mkdocs.plugins import get_plugin_logger

STAGING = "lessons-building"
RETIRED = "lessons-old"

log = get_plugin_logger("mkdocs_lessons.atomic")  # prefixed "mkdocs_lessons: ", as the plugin's own messages


def _sibling(final: str, kind: str, pid: Optional[int] = None) -> str:
    """A hidden folder beside the site, named after it, its purpose and the building process."""
    parent, name = os.path.split(final)
    return os.path.join(parent, f".{name}.{kind}-{os.getpid() if pid is None else pid}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def remove_stale(final: str) -> list[str]:
    """Remove staging and retired folders of builds whose process is gone (a killed build's leftovers)."""
    parent, name = os.path.split(final)
    pattern = re.compile(rf"^\.{re.escape(name)}\.(?:{STAGING}|{RETIRED})-(\d+)$")
    removed: list[str] = []
    try:
        entries = os.listdir(parent)
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry)
        if match and (int(match.group(1)) == os.getpid() or not _alive(int(match.group(1)))):
            _remove(os.path.join(parent, entry))
            removed.append(entry)
    return removed


def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE); False where that is not available."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_in(staging: str, final: str) -> None:
    """Put the finished site at `final`; the previous one is removed once it is no longer served."""
    if not os.path.lexists(final):
        os.rename(staging, final)
        return
    if _exchange(staging, final):
        _remove(staging)  # now the previous site
        return
    retired = _sibling(final, RETIRED)
    os.rename(final, retired)
    os.rename(staging, final)
    _remove(retired)


def _keep_mode(final: str, staging: str) -> None:
    """The swapped-in folder keeps the site folder's permissions (a web server's group may rely on them)."""
    try:
        os.chmod(staging, stat.S_IMODE(os.stat(final).st_mode))
    except OSError:
        pass  # no site yet, or not ours to change: MkDocs' own default then


def strict_will_abort(config: Any) -> bool:
    """Whether MkDocs is about to abort this build under `strict` (it checks right after on_post_build)."""
    if not config.strict:
        return False
    from mkdocs.utils import CountHandler

    return any(isinstance(h, CountHandler) and h.get_counts() for h in logging.getLogger("mkdocs").handlers)


class AtomicSite:
    """One build's staging folder: begin in on_config, finish in on_post_build, abandon on failure."""

    def __init__(self) -> None:
        self.config: Any = None
        self.final: Optional[str] = None  # the real site_dir
        self.given: Optional[str] = None  # site_dir as configured, restored after the build
        self.staging: Optional[str] = None

    def begin(self, config: Any, *, command: str, dirty: bool) -> None:
        """Point `config.site_dir` at a fresh staging folder beside it (one-off builds only, see above)."""
        self.abandon()  # a build of this process that never finished
        if command not in ("build", "gh-deploy") or dirty:
            return
        given = config.site_dir
        final = os.path.realpath(given)  # a linked site_dir: swap where the site really is
        remove_stale(final)
        staging = _sibling(final, STAGING)
        os.makedirs(staging)
        _keep_mode(final, staging)
        self.config, self.final, self.given, self.staging = config, final, given, staging
        config.site_dir = staging

    def finish(self, config: Any) -> None:
        """Swap the finished site in, unless `strict` is about to fail the build."""
        if self.staging is None or config is not self.config:
            return
        if strict_will_abort(config):
            log.info("Keeping the last good site: the build is about to abort in strict mode")
            self.abandon()
            return
        staging, final = self.staging, self.final
        assert final is not None
        self.staging = None
        config.site_dir = self.given
        swap_in(staging, final)

    def abandon(self) -> None:
        """A failed or interrupted build: drop its staging folder, keep the last good site."""
        if self.staging is None:
            return
        staging, self.staging = self.staging, None
        if self.config is not None:
            self.config.site_dir = self.given
        _remove(staging)
