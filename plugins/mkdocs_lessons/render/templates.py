"""The Jinja environment every generated page is rendered with.

Templates ship in the package (`mkdocs_lessons/templates/lessons/`). A site
can override any of them, or any partial, by putting a file with the same
name in its `custom_templates` folder, which the loader reads first (as
Material's `custom_dir` and mkdocstrings' `custom_templates` do). Autoescape
is on: a value from a record reaches the page escaped unless the page code
made it `Markup` (converted prose, links it built, inline SVG charts).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Optional

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

#: Where a site's overrides go under `custom_templates`, and the package's own: `lessons/<name>`.
NAMESPACE = "lessons"


class Templates:
    """One environment per site: compiled templates are kept across `mkdocs serve` rebuilds."""

    def __init__(self, custom: Optional[Path] = None, filters: Optional[dict[str, Callable[..., Any]]] = None) -> None:
        loaders: list[Any] = []
        if custom is not None:
            loaders.append(FileSystemLoader(str(custom)))
        loaders.append(PackageLoader("mkdocs_lessons", "templates"))
        self.custom = custom
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=True,
            undefined=StrictUndefined,  # a misspelt name in a template is an error, not an empty cell
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Checks a template's file before each use: an edited override shows on the next rebuild.
            auto_reload=True,
        )
        self.env.filters.update(filters or {})

    def fingerprint(self) -> str:
        """Every template file's name, size and time, the site's folder first (the site key of kept renders,
        reads.py).
        """
        folders = [str(self.custom)] if self.custom is not None else []
        folders.append(str(Path(__file__).resolve().parent.parent / "templates"))
        found = []
        for folder in folders:
            for base, dirs, names in os.walk(folder):
                dirs.sort()
                for name in sorted(names):
                    try:
                        stat = os.stat(os.path.join(base, name))
                    except OSError:
                        continue
                    found.append(f"{base}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
        return "\n".join(found)

    def render(self, name: str, **view: Any) -> str:
        """The template `lessons/<name>` with `view` (what the page shows) as its variables."""
        return self.env.get_template(f"{NAMESPACE}/{name}").render(**view)
