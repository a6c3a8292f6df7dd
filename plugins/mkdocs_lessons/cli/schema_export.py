"""`lessons schema`: the packaged JSON Schemas as files, for editors and other tools.

A repository that commits them (`lessons schema --out schemas`) gives every
contributor's editor the same completion and checks, and `lessons new`
points the first line of new records at them with a relative path that
works in every clone. `--check` tells CI when the committed copies are
older than the installed plugin.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from mkdocs_lessons.records import schema
from mkdocs_lessons.records.load import FOLDERS, TAXONOMY_FILE, TEAMS_FILE


@dataclass(frozen=True)
class SchemaFile:
    kind: str
    path: Path
    state: str  # written | unchanged | differs | missing


def file_name(kind: str) -> str:
    return f"{kind}.schema.json"


def export(out: Path, kinds: Iterable[str] = schema.KINDS, *, check: bool = False) -> list[SchemaFile]:
    """Write (or with `check`, compare) each schema; unchanged files are not rewritten."""
    results = []
    if not check:
        out.mkdir(parents=True, exist_ok=True)
    for kind in kinds:
        target = out / file_name(kind)
        text = schema.schema_text(kind)
        current: Optional[str] = target.read_text("utf-8") if target.is_file() else None
        if current == text:
            results.append(SchemaFile(kind, target, "unchanged"))
        elif check:
            results.append(SchemaFile(kind, target, "missing" if current is None else "differs"))
        else:
            target.write_text(text, "utf-8", newline="\n")
            results.append(SchemaFile(kind, target, "written"))
    return results


def _glob(root: Path, base: Path, pattern: str) -> str:
    relative = Path(os.path.relpath(root, base)).as_posix()
    return pattern if relative == "." else f"{relative}/{pattern}"


def editor_settings(out: Path, kb_root: Path, base: Path) -> str:
    """VS Code `yaml.schemas` settings that map each record folder to its schema.

    An alternative to the `# yaml-language-server: $schema=` line that
    `lessons new` writes; it covers records created by hand too.
    """
    mapping = {
        Path(os.path.relpath(out / file_name("incident"), base)).as_posix(): _glob(
            kb_root, base, f"{FOLDERS['incident']}/*.yaml"
        ),
        Path(os.path.relpath(out / file_name("sop"), base)).as_posix(): _glob(
            kb_root, base, f"{FOLDERS['sop']}/*.yaml"
        ),
        Path(os.path.relpath(out / file_name("path"), base)).as_posix(): _glob(
            kb_root, base, f"{FOLDERS['path']}/*.yaml"
        ),
        Path(os.path.relpath(out / file_name("taxonomy"), base)).as_posix(): _glob(kb_root, base, TAXONOMY_FILE),
        Path(os.path.relpath(out / file_name("teams"), base)).as_posix(): _glob(kb_root, base, TEAMS_FILE),
    }
    return json.dumps({"yaml.schemas": mapping}, indent=2)
