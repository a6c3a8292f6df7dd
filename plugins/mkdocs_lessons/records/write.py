"""New record files, written whole and never over an existing file (`lessons import`).

A file is written beside its name, flushed, then hard-linked into place.
"""

from __future__ import annotations

import os


def create_new(path: "os.PathLike[str] | str", content: str) -> None:
    """Write `content` to `path`, which must not exist yet: FileExistsError when it does.

    The text goes to a hidden file in the same folder first and is then
    hard-linked to its name. The link fails when the name is taken (by a
    file, a folder or a link), so an existing file is never replaced, and a
    reader (an editor, `mkdocs serve`) never sees half a file. The hidden
    file is removed whatever happens.
    """
    final = os.fspath(path)
    folder, name = os.path.split(final)
    temporary = os.path.join(folder, f".{name}.writing-{os.getpid()}")
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, final)
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
