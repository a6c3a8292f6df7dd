"""Under `mkdocs serve`: the records folder watched natively, or by polling where native events cannot be trusted.

The unit tests hand `watch_records` MkDocs' own LiveReloadServer (never
started: its polling observer never runs), so a rebuild request can only
come from the native observer; the last test is a real `mkdocs serve`.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from conftest import MINIMAL
from mkdocs.livereload import LiveReloadServer
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from mkdocs_lessons.adapter import serve_watch
from mkdocs_lessons.adapter.serve_watch import file_system_type, watch_records, why_polling
from mkdocs_lessons.settings import Settings, SettingsError

pytestmark = pytest.mark.skipif(issubclass(Observer, PollingObserver), reason="no native file watcher here")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveReloadServer]:
    site = tmp_path / "site"
    site.mkdir()
    live = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(site))
    yield live
    live.server_close()


def _asked(server: LiveReloadServer) -> bool:
    with server._rebuild_cond:
        return server._want_rebuild


def _reset(server: LiveReloadServer) -> None:
    with server._rebuild_cond:
        server._want_rebuild = False


def _rebuild_asked_after(server: LiveReloadServer, act: Callable[[], Any], what: str, timeout: float = 5.0) -> None:
    time.sleep(0.05)  # events of the last act delivered first
    _reset(server)
    act()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _asked(server):
            return
        time.sleep(0.02)
    raise AssertionError(f"no rebuild asked for after {what}")


def _kb(tmp_path: Path) -> Path:
    return Path(shutil.copytree(MINIMAL, tmp_path / "kb"))


def test_native_watch_asks_mkdocs_to_rebuild_for_every_kind_of_save(tmp_path: Path, server: LiveReloadServer) -> None:
    kb = _kb(tmp_path)
    watch = watch_records(server, kb, "native")
    try:
        assert watch.native
        assert not server.observer.is_alive()  # MkDocs' poller never runs here: only the native watch can ask
        assert str(kb) in server._watched_paths  # MkDocs knows the path (its log line, unwatch)
        record = kb / "incidents" / "INC-2024-017.yaml"
        text = record.read_text("utf-8")

        _rebuild_asked_after(server, lambda: record.write_text(text + "\n", "utf-8"), "a save in place")
        # Reading a record is no change: the rebuild reads the saved record (a loop of rebuilds if it counted).
        time.sleep(0.1)
        _reset(server)
        assert record.read_text("utf-8") == text + "\n"
        time.sleep(0.3)
        assert not _asked(server), "a record read (opened, closed unwritten) asked for a rebuild"

        def atomic_save() -> None:  # as vim, JetBrains and most editors' safe write: a new file renamed over the old
            temporary = record.with_name(".INC-2024-017.yaml.swp")
            temporary.write_text(text, "utf-8")
            os.replace(temporary, record)

        _rebuild_asked_after(server, atomic_save, "an atomic save")
        new = kb / "incidents" / "INC-2024-099.yaml"
        _rebuild_asked_after(server, lambda: new.write_text(text, "utf-8"), "a new record")
        _rebuild_asked_after(server, new.unlink, "a deleted record")
        folder = kb / "incidents" / "2025"
        folder.mkdir()  # an empty folder asks for nothing (MkDocs' callback passes over folders' events, as polled)
        time.sleep(0.2)  # its own watch is added as its event is handled
        _rebuild_asked_after(server, lambda: (folder / "INC-2025-001.yaml").write_text(text, "utf-8"), "a record in a new folder")
        moved = kb / "incidents" / "INC-2024-100.yaml"
        _rebuild_asked_after(server, lambda: record.rename(moved), "a renamed record")
        # A folder of records moved out of the watched tree: inotify names only the folder, MkDocs passes over
        # folders' events; its records are gone, so it must count.
        _rebuild_asked_after(server, lambda: folder.rename(tmp_path / "moved-out"), "a folder moved away")
        (kb / "sops" / "old").mkdir()
        (kb / "sops" / "old" / "x.yaml").write_text("a: 1\n", "utf-8")
        time.sleep(0.2)
        _rebuild_asked_after(server, lambda: shutil.rmtree(kb / "sops" / "old"), "a folder deleted")
    finally:
        watch.close()
    assert watch.observer is None


def test_a_folder_link_is_polled_as_mkdocs_does(tmp_path: Path, server: LiveReloadServer) -> None:
    kb = _kb(tmp_path)
    elsewhere = tmp_path / "more"
    elsewhere.mkdir()
    (kb / "incidents" / "more").symlink_to(elsewhere, target_is_directory=True)
    watch = watch_records(server, kb, "auto")
    assert not watch.native  # native watches do not follow a link; MkDocs' polling does
    assert str(kb) in server._watched_paths
    assert server.observer.emitters  # scheduled on MkDocs' poller
    assert "link to a folder" in (why_polling(kb, "auto", Observer) or "")


def test_polling_when_asked_or_when_the_native_watcher_cannot_start(tmp_path: Path, server: LiveReloadServer) -> None:
    kb = _kb(tmp_path)
    watch = watch_records(server, kb, "polling")
    assert not watch.native and server.observer.emitters

    class Exhausted(Observer):  # type: ignore[misc, valid-type]
        def schedule(self, *args: Any, **kwargs: Any) -> Any:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    other = tmp_path / "kb2"
    shutil.copytree(kb, other)
    watch = watch_records(server, other, "auto", native_class=Exhausted)
    assert not watch.native
    assert str(other) in server._watched_paths  # polled: saves still rebuild
    assert why_polling(kb, "auto", PollingObserver) == "no native file watcher on this system"


def test_network_and_shared_file_systems_are_polled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mounts = tmp_path / "mounts"
    kb = tmp_path / "share" / "kb"
    kb.mkdir(parents=True)
    mounts.write_text(
        "overlay / overlay rw 0 0\n"
        f"server:/export {tmp_path / 'share'} nfs4 rw 0 0\n"
        f"/dev/sdb1 {tmp_path / 'share-local'} ext4 rw 0 0\n",
        "utf-8",
    )
    assert file_system_type(kb, str(mounts)) == "nfs4"  # the longest mount point holding it
    assert file_system_type(tmp_path / "share-localx", str(mounts)) == "overlay"  # a prefix is not a parent
    monkeypatch.setattr(serve_watch, "file_system_type", lambda path: "nfs4")
    assert "nfs4" in (why_polling(kb, "auto", Observer) or "")
    assert why_polling(kb, "native", Observer) is None  # asked for: the reader knows their share reports events


def test_serve_watch_option() -> None:
    assert Settings.from_options({}).serve_watch == "auto"
    assert Settings.from_options({"serve_watch": "polling"}).serve_watch == "polling"
    with pytest.raises(SettingsError, match="option 'serve_watch' must be auto, native or polling, got 'inotify'"):
        Settings.from_options({"serve_watch": "inotify"})
