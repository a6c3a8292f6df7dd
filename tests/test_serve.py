"""`mkdocs serve` with a broken record: the errors in the terminal, the last good site still served, recovery on save."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from conftest import MINIMAL, write_config

RECORD = "kb/incidents/INC-2024-017.yaml"
PAGE = "incidents/INC-2024-017/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def _wait(predicate, what: str, log: Path, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; serve output:\n{log.read_text('utf-8', 'replace')}")


@contextmanager
def _serving(tmp_path: Path, **extra: object) -> Iterator[tuple[subprocess.Popen, str, Path, Path, str]]:
    """A real `mkdocs serve` of the minimal knowledge base: (process, base URL, log, the record, its text)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(MINIMAL, project / "kb")
    port = _free_port()
    write_config(project, project / "kb", extra={"dev_addr": f"127.0.0.1:{port}", **extra})
    record = project / RECORD
    log = tmp_path / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        yield proc, f"http://127.0.0.1:{port}/", log, record, record.read_text("utf-8")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_serve_keeps_last_good_site_and_recovers(tmp_path: Path) -> None:
    with _serving(tmp_path) as (proc, base, log, record, good):
        _wait(lambda: _get(base + PAGE)[0] == 200, "the first build", log)
        before = _get(base + PAGE)[1]
        assert "Checkout outage after an unreviewed config push" in before
        indexed = "mkdocs_lessons: search index updated"
        _wait(lambda: indexed in log.read_text("utf-8", "replace"), "the first search index", log)

        # Break the record while serving: an unknown team.
        record.write_text(good.replace("teams: [payments", "teams: [paymnts"), "utf-8")
        expected = "mkdocs_lessons: kb/incidents/INC-2024-017.yaml:10:9: [teams[0]] unknown team 'paymnts' (did you mean 'payments'?)"
        _wait(lambda: "still serving the last good site" in log.read_text("utf-8", "replace"), "the failed rebuild", log)
        output = log.read_text("utf-8", "replace")
        assert expected in output
        assert "Traceback" not in output
        assert "mkdocs_lessons: lessons:" not in output  # one prefix, MkDocs' own, on every message
        # The last good site is still there, page for page.
        status, body = _get(base + PAGE)
        assert status == 200
        assert _strip_livereload(body) == _strip_livereload(before)
        assert _get(base)[0] == 200
        # The site's HTML is what the index was made of: no Pagefind run (a minute of both cores at 10,000).
        time.sleep(3)  # a run of this site takes well under a second
        assert log.read_text("utf-8", "replace").count(indexed) == 1

        # Fix it (with a visible change): the site is rebuilt without a restart, and indexed again.
        record.write_text(good.replace("title: ", "title: Recovered - ", 1), "utf-8")
        _wait(lambda: "Recovered - " in _get(base + PAGE)[1], "the recovered site", log)
        _wait(lambda: log.read_text("utf-8", "replace").count(indexed) == 2, "the new search index", log)
        assert proc.poll() is None  # the same server, never restarted
        assert "Traceback" not in log.read_text("utf-8", "replace")


def _strip_livereload(html: str) -> str:
    # The server injects a livereload script with the build epoch into every page.
    return re.sub(r"livereload\(\d+, \d+\)", "livereload()", html)


def test_serve_under_strict_answers_at_once_while_a_record_is_broken(tmp_path: Path) -> None:
    """`strict: true` (as shipped): MkDocs counts the errors and aborts the rebuild, and every request waited on it."""
    with _serving(tmp_path, strict=True) as (proc, base, log, record, good):
        _wait(lambda: _get(base + PAGE)[0] == 200, "the first build", log)
        before = _get(base + PAGE)[1]
        record.write_text(good.replace("teams: [payments", "teams: [paymnts"), "utf-8")
        _wait(lambda: "still serving the last good site" in log.read_text("utf-8", "replace"), "the failed rebuild", log)
        # Every request answers at once (the server waits for a rebuild to finish before answering).
        started = time.monotonic()
        status, body = _get(base + PAGE)
        assert status == 200, log.read_text("utf-8", "replace")
        assert time.monotonic() - started < 5
        assert _strip_livereload(body) == _strip_livereload(before)
        output = log.read_text("utf-8", "replace")
        assert "kb/incidents/INC-2024-017.yaml:10:9: [teams[0]] unknown team 'paymnts'" in output  # still listed
        assert "Aborted with" not in output and "Traceback" not in output
        record.write_text(good.replace("title: ", "title: Recovered - ", 1), "utf-8")
        _wait(lambda: "Recovered - " in _get(base + PAGE)[1], "the recovered site", log)
        assert proc.poll() is None
