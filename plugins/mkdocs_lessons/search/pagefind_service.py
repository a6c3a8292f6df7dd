"""Pagefind fed page by page while `mkdocs build` writes the site, so indexing runs beside the build.

Run after the build, Pagefind reads every page back from disk and indexes
it before the build may return: 3.9 s of a 13 s build at 1,000 incidents,
41 s at 10,000. MkDocs renders on one core; the machine usually has a
second. So a one-off build starts Pagefind's own service (`pagefind
--service`, the protocol its Node and Python packages speak: base64 JSON
messages, each ended by a comma, over stdin and stdout) and hands it each
page as MkDocs writes it. Pagefind parses the pages on the other core while
MkDocs renders the next ones; when the build ends only the index itself is
left to write.

Why not the `pagefind` package's `PagefindIndex`: its reader waits 0.1 s
before each response, so 10,000 pages would wait 1,000 s for their
acknowledgements. This module speaks the same protocol with two threads.

The index is the one the command line makes from the same files: Pagefind
keys pages by URL (a page sent twice keeps its last copy), and `finish`
sends every HTML file in the site that was not sent, or that changed on disk
after it was sent (a plugin rewriting pages after MkDocs wrote them), so
pages written outside MkDocs' page loop (404.html, a `--dirty` build's
untouched pages) are indexed as the command line would. Pages go in the
order MkDocs builds them, then the rest in sorted order: the command line
takes them in directory order, which depends on the file system.

Anything that goes wrong (no binary, a crashed service, an error answer)
raises PagefindError; the caller then runs the command line on the written
site instead. Nothing waits on a service that has exited: its end of the
pipe closing wakes every waiter. No MkDocs imports here.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from mkdocs_lessons.search.pagefind import INCLUDE_CHARACTERS, PagefindError


class _Closed(Exception):
    """The service's output ended: it exited or was stopped."""


class PagefindService:
    """One `pagefind --service` process holding one index, fed pages as they are written."""

    def __init__(self, executable: Path) -> None:
        self._process = subprocess.Popen(
            [str(executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._next_id = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._closed = False
        self._failure: Optional[str] = None  # the first error answer or broken pipe, reported at finish
        self._condition = threading.Condition()
        self._outbox: queue.SimpleQueue[Optional[bytes]] = queue.SimpleQueue()
        self._sent: dict[str, int] = {}  # site-relative path -> bytes MkDocs wrote for it
        self._waiting: set[int] = set()  # requests whose answer a caller waits for (pages are not waited on)
        self._reader = threading.Thread(target=self._read, name="lessons-pagefind-read", daemon=True)
        self._writer = threading.Thread(target=self._write, name="lessons-pagefind-write", daemon=True)
        self._reader.start()
        self._writer.start()
        answer = self._ask({"type": "NewIndex", "config": {"include_characters": INCLUDE_CHARACTERS}})
        self._index = answer["index_id"]

    @classmethod
    def start(cls) -> "PagefindService":
        try:
            from pagefind.service import get_executable
        except ImportError:
            executable = None
        else:
            executable = get_executable()
        if executable is None:
            raise PagefindError("search: pagefind needs the Pagefind binary: pip install 'mkdocs-lessons[pagefind]'")
        try:
            return cls(executable)
        except (OSError, _Closed) as exc:
            raise PagefindError(f"the Pagefind service did not start ({exc})") from exc

    # -- the two threads -------------------------------------------------------------------------------------------

    def _write(self) -> None:
        # Encoding here, not in the caller: MkDocs goes on rendering while a page is encoded and piped.
        stdin = self._process.stdin
        assert stdin is not None
        while True:
            message = self._outbox.get()
            if message is None:
                break
            try:
                stdin.write(base64.b64encode(message) + b",")
                if self._outbox.empty():
                    stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                self._fail("the Pagefind service stopped reading")
                break
        try:
            stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        buffer = bytearray()
        try:
            while True:
                chunk = os.read(stdout.fileno(), 1 << 20)  # what has arrived, without waiting for a full block
                if not chunk:
                    break
                # The index's files come in one answer of tens of megabytes: look for its end in the new bytes only.
                seen = len(buffer)
                buffer += chunk
                end = buffer.find(b",", seen)
                while end >= 0:
                    message = bytes(buffer[:end])
                    del buffer[: end + 1]
                    self._receive(json.loads(base64.b64decode(message)))
                    end = buffer.find(b",")
        except (ValueError, OSError) as exc:  # not the protocol: stop listening, and say why at finish
            self._fail(f"the Pagefind service answered something unreadable ({exc})")
        finally:
            # Whatever ended the loop, every waiter wakes up: nothing waits on a service that is gone.
            with self._condition:
                self._closed = True
                self._condition.notify_all()

    def _receive(self, response: dict[str, Any]) -> None:
        payload = response.get("payload") or {}
        number = response.get("message_id")
        with self._condition:
            if payload.get("type") == "Error":
                self._failure = self._failure or str(payload.get("message"))
            if number in self._waiting:
                self._waiting.discard(number)
                self._answers[number] = payload
                self._condition.notify_all()

    def _fail(self, reason: str) -> None:
        with self._condition:
            self._failure = self._failure or reason
            self._condition.notify_all()

    # -- requests ------------------------------------------------------------------------------------------------------

    def _send(self, payload: dict[str, Any], *, wait: bool) -> int:
        with self._condition:
            self._next_id += 1
            number = self._next_id
            if wait:
                self._waiting.add(number)
        self._outbox.put(json.dumps({"message_id": number, "payload": payload}).encode("utf-8"))
        return number

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        number = self._send(payload, wait=True)
        with self._condition:
            while number not in self._answers:
                if self._closed:
                    raise _Closed("the Pagefind service exited")
                self._condition.wait()
            answer = self._answers.pop(number)
        if answer.get("type") == "Error":
            raise PagefindError(f"Pagefind: {answer.get('message')}")
        return answer

    def add(self, path: str, html: str) -> None:
        """Index the page MkDocs writes at `path` (relative to the site, `/`-separated) with this text."""
        # The bytes MkDocs writes: a lone surrogate (from an escape in a record) becomes a character reference
        # there, and Pagefind refuses it raw.
        written = html.encode("utf-8", errors="xmlcharrefreplace")
        self._sent[path] = len(written)
        contents = written.decode("utf-8")
        self._send(
            {"type": "AddFile", "index_id": self._index, "file_path": path, "file_contents": contents}, wait=False
        )

    def finish(self, site_dir: Path, output: Path, skip: str) -> None:
        """Send the site's HTML files not sent as written, write the index into `output` (emptied first), and stop the
        service. `skip` is the index's own folder (relative to the site), never indexed.
        """
        try:
            for path in _html_files(site_dir, skip):
                full = site_dir / path
                if self._sent.get(path) == full.stat().st_size:
                    continue
                self.add(path, full.read_text(encoding="utf-8", errors="replace"))
            # The files come back in the answer and are written here. Asked to write them itself, the service
            # answers before its writes are done, and it exits as soon as its input closes: files went missing.
            answer = self._ask({"type": "GetFiles", "index_id": self._index})
            with self._condition:
                if self._failure is not None:
                    raise PagefindError(f"Pagefind: {self._failure}")
        except _Closed as exc:
            raise PagefindError(f"{exc} before the index was written") from exc
        finally:
            self.stop()
        _write_bundle(output, answer.get("files") or [])

    def stop(self) -> None:
        """End the service (also on a failed build): nothing outlives the build."""
        self._outbox.put(None)
        self._writer.join(timeout=30)
        if self._process.poll() is None:
            self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()


def _write_bundle(output: Path, files: list[dict[str, str]]) -> None:
    """Pagefind's files (paths inside the bundle, base64 contents) written into `output`, replacing what was there."""
    if output.exists():
        shutil.rmtree(output)  # a --dirty build's old chunks: the folder is the index's alone
    root = output.resolve()
    for file in files:
        relative = PurePosixPath(file["path"].replace("\\", "/"))
        target = (output / relative).resolve()
        if relative.is_absolute() or ".." in relative.parts or not target.is_relative_to(root):
            raise PagefindError(f"Pagefind named a file outside its folder: {file['path']!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(file["content"]))


def _html_files(site_dir: Path, skip: str) -> list[str]:
    """Every `.html` file under the site, relative and sorted, as the command line would find them."""
    found: list[str] = []
    skipped = site_dir / skip
    for folder, dirs, files in os.walk(site_dir):
        if Path(folder) == skipped:
            dirs[:] = []
            continue
        dirs.sort()
        relative = Path(folder).relative_to(site_dir)
        found.extend((relative / name).as_posix() for name in sorted(files) if name.endswith(".html"))
    return sorted(found)
