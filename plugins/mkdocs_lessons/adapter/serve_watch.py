"""Under `mkdocs serve`: how the records folder is watched for saves (the system's file events, or polling).

MkDocs 1.6 watches every path with watchdog's `PollingObserver`: every
0.5 s a thread of the serve process lists and stats every watched file and
compares the listing with the last one, in Python. MkDocs chose polling on
purpose (mkdocs/mkdocs#2477): file events do not cross Docker's non-native
mounts or network shares, and polling follows symbolic links. For a docs
folder of a few hundred pages it costs nothing; for a knowledge base of
10,000 records it is about 0.2 s of CPU a poll, so the serve process spends
a quarter of a core watching while idle, and while it rebuilds the poller
takes the interpreter lock from the rebuild (benchmarks/serve_trace.py:
`poll cpu during build`); a save is also noticed up to a poll (0.5 s plus a
snapshot) after it is written.

So the records folder is watched with watchdog's native observer (inotify
on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows), which
costs nothing while idle and reports a save at once, wherever that can be
trusted. It is handed to MkDocs' own `server.watch`, so MkDocs' callback,
its coalescing of a burst of events and its log line are unchanged. Polling
stays (`serve_watch: polling`, or `auto` deciding so):

- when the folder is on a file system whose events may not reach this
  machine (a network share, a virtual machine's or container's shared
  folder, WSL's Windows drives: `REMOTE_FILE_SYSTEMS`, read from
  /proc/self/mounts);
- when the records folder holds a symbolic link to a folder (native
  watches do not follow it; polling does: edits through it would be missed);
- when the native observer cannot start (no native backend, or the
  system's limit of watches reached: inotify's `max_user_watches`).

What a native watch hands MkDocs is what polling found, for the records
that can be read (records/content_root.py: a link leads only to a file
inside the root): a save in place, an editor's atomic save (a new file
renamed over the old one), a new, moved or deleted record, a saved link
target inside the folder. Only changes are passed on (`CHANGES`): inotify
also reports a file opened and closed unwritten, and the rebuild reading a
saved record would then ask for another rebuild, for ever. A folder moved
away or deleted is passed on as a file's event: MkDocs passes over folders'
events (its poller reports the files in them), and inotify reports only
the folder when it is moved out of the watched tree. docs_dir and
mkdocs.yml stay with MkDocs' polling: they are small.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from mkdocs.plugins import get_plugin_logger

log = get_plugin_logger("mkdocs_lessons.serve_watch")  # prefixed "mkdocs_lessons: ", as the plugin's own messages

#: File system types whose change events may not reach this machine's kernel (Linux names in /proc/self/mounts).
REMOTE_FILE_SYSTEMS = frozenset(
    {
        "9p",  # WSL 2's Windows drives, QEMU shares
        "afs",
        "ceph",
        "cifs",
        "drvfs",  # WSL 1's Windows drives
        "fuse.sshfs",
        "fuse.rclone",
        "fuse.vmhgfs-fuse",  # VMware shared folders
        "fuse.osxfs",
        "fuse.grpcfuse",  # Docker Desktop's bind mounts
        "fakeowner",  # Docker Desktop's bind mounts (newer)
        "glusterfs",
        "lustre",
        "ncpfs",
        "nfs",
        "nfs4",
        "smb3",
        "smbfs",
        "vboxsf",  # VirtualBox shared folders
        "virtiofs",
    }
)

MODES = ("auto", "native", "polling")


def _changes() -> list[type]:
    """The events that are changes (what MkDocs' poller can report): not a file opened, or closed unwritten."""
    from watchdog import events

    return [
        events.FileCreatedEvent,
        events.FileModifiedEvent,
        events.FileMovedEvent,
        events.FileDeletedEvent,
        events.DirMovedEvent,
        events.DirDeletedEvent,
    ]


def _quiet(native_class: type) -> type:
    """`native_class` whose watches pass on changes only (`_changes`), folders gone as a file's event."""
    from watchdog.events import FileDeletedEvent, FileSystemEventHandler

    class FolderAsFile(FileSystemEventHandler):
        def __init__(self, handler: Any) -> None:
            self.handler = handler

        def dispatch(self, event: Any) -> None:
            if event.is_directory:  # moved or deleted (the filter lets no other through): its records went with it
                event = FileDeletedEvent(event.src_path)
            self.handler.dispatch(event)

    class Quiet(native_class):
        def schedule(self, event_handler: Any, path: str, *, recursive: bool = False, **kwargs: Any) -> Any:
            kwargs["event_filter"] = _changes()
            return super().schedule(FolderAsFile(event_handler), path, recursive=recursive, **kwargs)

    Quiet.__name__ = native_class.__name__
    return Quiet


def file_system_type(path: Path, mounts: str = "/proc/self/mounts") -> Optional[str]:
    """The type of the file system `path` lies on (the longest mount point holding it); None where unknown."""
    try:
        with open(mounts, encoding="utf-8", errors="replace") as lines:
            table = [line.split() for line in lines]
    except OSError:
        return None
    target = os.path.realpath(path)
    best: tuple[int, Optional[str]] = (-1, None)
    for fields in table:
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best[0]:
            best = (len(point), fields[2])
    return best[1]


def linked_folder(root: Path) -> Optional[Path]:
    """The first symbolic link to a folder under `root` (native watches do not follow one), or None."""
    for folder, dirs, _ in os.walk(root):
        for name in sorted(dirs):
            path = Path(folder) / name
            if path.is_symlink():
                return path
    return None


def why_polling(root: Path, mode: str, native_class: type) -> Optional[str]:
    """Why `root` is polled rather than watched natively (a sentence for the log), or None to watch it natively."""
    if mode == "polling":
        return "serve_watch: polling"
    from watchdog.observers.polling import PollingObserver

    if issubclass(native_class, PollingObserver):
        return "no native file watcher on this system"
    if mode == "native":
        return None
    kind = file_system_type(root)
    if kind in REMOTE_FILE_SYSTEMS:
        return f"it is on a {kind} file system, whose changes may not be reported"
    link = linked_folder(root)
    if link is not None:
        return f"{link} is a link to a folder, which native watching does not follow"
    return None


class RecordsWatch:
    """The native observer watching the records folder for a `serve` (none: MkDocs polls it); `close` stops it."""

    def __init__(self, observer: Any = None) -> None:
        self.observer = observer

    @property
    def native(self) -> bool:
        return self.observer is not None

    def close(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
            self.observer = None


def watch_records(server: Any, root: Path, mode: str = "auto", native_class: Optional[type] = None) -> RecordsWatch:
    """Have `server` (MkDocs' LiveReloadServer) rebuild when anything under `root` changes.

    Natively where `why_polling` finds no reason not to: a native observer
    is started, proved able to watch `root` (inotify's limit is met when
    the watch is added), and lent to `server.watch` for the one call, so
    MkDocs schedules its own callback on it; otherwise `server.watch` polls
    as MkDocs does.
    """
    if native_class is None:
        from watchdog.observers import Observer  # the platform's own (watchdog picks it)

        native: type = Observer  # type: ignore[assignment]  # watchdog types it as a TypeAlias of the class
    else:
        native = native_class
    reason = why_polling(root, mode, native)
    polling = getattr(server, "observer", None)
    if reason is None and polling is not None:
        from watchdog.events import FileSystemEventHandler

        observer = _quiet(native)()
        try:
            observer.start()
            observer.unschedule(observer.schedule(FileSystemEventHandler(), str(root), recursive=True))
        except OSError as error:  # no inotify instance or watch left, an unreadable folder
            observer.stop()
            reason = f"the system's file watcher could not watch it ({error.strerror or error})"
        else:
            server.observer = observer
            try:
                server.watch(str(root))
            finally:
                server.observer = polling
            log.debug(f"Watching the records in {root} with {type(observer).__name__}")
            return RecordsWatch(observer)
    if reason is not None:
        log.info(f"Watching the records in {root} by polling: {reason}")
    server.watch(str(root))
    return RecordsWatch()
