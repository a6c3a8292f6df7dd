"""Atomic output (adapter/atomic.py): a build that fails or is killed leaves the last good site in place."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from conftest import MINIMAL, build, synthetic_kb, write_config

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"/" for p in sorted(folder.rglob("*"))}


def _last_good_site(project: Path) -> dict[str, bytes]:
    """Stands for the site of an earlier build: what a web server serves right now."""
    site = project / "site"
    (site / "incidents" / "INC-2024-017").mkdir(parents=True)
    (site / "index.html").write_text("<h1>The last good site</h1>\n")
    (site / "incidents" / "INC-2024-017" / "index.html").write_text("<h1>Still here</h1>\n")
    return _tree(site)


def _leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if ".lessons-" in p.name)


def _project(tmp_path: Path, kb: Path = MINIMAL, **extra) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    write_config(project, kb, extra=extra or None)
    return project


def test_a_build_that_fails_in_strict_mode_keeps_the_last_good_site(tmp_path):
    project = _project(tmp_path)
    before = _last_good_site(project)
    (project / "docs" / "about.md").write_text("# About\n\nSee [the missing page](missing.md).\n")
    with pytest.raises(Abort, match="strict mode"):
        build(project, strict=True)
    assert _tree(project / "site") == before
    assert _leftovers(project) == []


def test_a_build_that_breaks_midway_keeps_the_last_good_site(tmp_path):
    project = _project(tmp_path, hooks=["hook.py"])
    (project / "hook.py").write_text(
        "def on_post_page(output, page, config):\n"
        "    if page.file.src_uri.startswith('incidents/INC-2024-017'):\n"
        "        raise RuntimeError('a disk filled up')\n"
        "    return output\n"
    )
    before = _last_good_site(project)
    with pytest.raises(RuntimeError, match="a disk filled up"):
        build(project, strict=False)
    assert _tree(project / "site") == before
    assert _leftovers(project) == []


def test_a_good_build_replaces_the_site_and_removes_a_killed_builds_leftovers(tmp_path):
    project = _project(tmp_path)
    _last_good_site(project)
    stale = project / ".site.lessons-building-1073741824"  # no such process
    (stale / "incidents").mkdir(parents=True)
    site = build(project, strict=True)
    assert site.site_dir == project / "site"
    assert "Checkout outage" in site.page("incidents/INC-2024-017/").read_text()
    assert "The last good site" not in site.page("").read_text()
    assert _leftovers(project) == []


def test_a_dirty_build_updates_the_site_in_place(tmp_path):
    project = _project(tmp_path)
    _last_good_site(project)
    (project / "site" / "extra.txt").write_text("a dirty build cleans nothing\n")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--dirty"], cwd=project, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"Building documentation to directory: {project / 'site'}" in done.stderr
    assert (project / "site" / "extra.txt").is_file()
    assert "Checkout outage" in (project / "site" / "incidents" / "INC-2024-017" / "index.html").read_text()
    assert _leftovers(project) == []


def test_a_killed_build_keeps_the_last_good_site(tmp_path):
    """`kill -9` while pages are being written: the site a web server serves is untouched."""
    project = _project(tmp_path, synthetic_kb(tmp_path / "kb", 80))
    before = _last_good_site(project)
    log = tmp_path / "build.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build"], cwd=project, env=ENV, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        target = None
        while time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r"Building documentation to directory: (\S+)", log.read_text())
            target = Path(found.group(1)) if found else None
            # Pages are being written: the build is well under way, and not done.
            if target is not None and any((target / "incidents").glob("INC-*/index.html")):
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"the build ended before it could be killed:\n{log.read_text()}"
        assert target is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert _tree(project / "site") == before


def test_the_new_site_keeps_the_site_folders_permissions(tmp_path):
    project = _project(tmp_path)
    _last_good_site(project)
    os.chmod(project / "site", 0o2751)
    build(project, strict=True)
    assert (project / "site").stat().st_mode & 0o7777 == 0o2751
