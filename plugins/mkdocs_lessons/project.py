"""The project a `lessons` command works on: its `mkdocs.yml` and the knowledge-base folder it names.

(The record files inside that folder are found by records/load.py.) No MkDocs here.

`lessons validate` run from a repository root (a pre-commit hook, a CI step,
a contributor's terminal) should find the same folder `mkdocs build` reads:
the `root` option of the `lessons` plugin in `mkdocs.yml` when there is
one, else `./content`, else the current folder.

`mkdocs.yml` often carries tags that only MkDocs understands (`!ENV`,
`!!python/name:...`); they are read leniently here, since only the plugin's
options matter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
DEFAULT_ROOT = "content"


class LenientLoader(yaml.SafeLoader):
    """A safe loader that reads unknown tags as plain values instead of failing."""


def _env(loader: LenientLoader, node: yaml.Node) -> Any:
    # MkDocs' `!ENV VAR` and `!ENV [VAR, OTHER, default]`.
    if isinstance(node, yaml.SequenceNode):
        items = [loader.construct_scalar(n) for n in node.value if isinstance(n, yaml.ScalarNode)]
        for name in items[:-1]:
            if name in os.environ:
                return os.environ[name]
        return items[-1] if items else None
    if isinstance(node, yaml.ScalarNode):
        return os.environ.get(str(loader.construct_scalar(node)))
    return None


def _unknown(loader: LenientLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)  # the third kind of node
    return loader.construct_mapping(node, deep=True)


LenientLoader.add_constructor("!ENV", _env)
LenientLoader.add_multi_constructor("", _unknown)


@dataclass(frozen=True)
class SiteSettings:
    """What the `lessons` command needs to know from `mkdocs.yml`."""

    config_file: Optional[Path]
    root: Path  # the knowledge-base folder
    options: dict[str, Any] = field(default_factory=dict)  # the plugin's options in mkdocs.yml, if any
    docs_dir: Optional[Path] = None  # the site's docs_dir, when the knowledge base is the site's
    absolute_links: Any = "info"  # the site's validation.links.absolute_links (checks.absolute_links_mode)

    def flag(self, name: str) -> bool:
        """A boolean plugin option as `mkdocs build` would see it (false when absent)."""
        return self.options.get(name) is True


def find_config(folder: Path) -> Optional[Path]:
    for name in CONFIG_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _read_config(config_file: Path) -> Optional[dict[str, Any]]:
    try:
        data = yaml.load(config_file.read_text("utf-8"), Loader=LenientLoader)  # noqa: S506 - a safe loader subclass
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def docs_dir(config_file: Path) -> Path:
    """The site's `docs_dir` (MkDocs' default `docs`), relative to `mkdocs.yml`."""
    data = _read_config(config_file) or {}
    folder = Path(str(data.get("docs_dir") or "docs"))
    return folder if folder.is_absolute() else config_file.parent / folder


def absolute_links_level(config_file: Path) -> Any:
    """`validation.links.absolute_links` (or `validation.absolute_links`, which MkDocs passes down), default info."""
    validation = (_read_config(config_file) or {}).get("validation")
    if not isinstance(validation, dict):
        return "info"
    links = validation.get("links")
    if isinstance(links, dict) and "absolute_links" in links:
        return links["absolute_links"]
    return validation.get("absolute_links", "info")


def lessons_options(config_file: Path) -> Optional[dict[str, Any]]:
    """The `lessons` plugin's options in an `mkdocs.yml`, or None when it is not enabled there."""
    data = _read_config(config_file)
    if data is None:
        return None
    plugins = data.get("plugins") or []
    entries: list[tuple[str, Any]] = []
    if isinstance(plugins, dict):
        entries = list(plugins.items())
    elif isinstance(plugins, list):
        for item in plugins:
            if isinstance(item, str):
                entries.append((item, {}))
            elif isinstance(item, dict):
                entries.extend(item.items())
    for name, options in entries:
        if name == "lessons":
            return dict(options) if isinstance(options, dict) else {}
    return None


def site_settings(given_root: Optional[str] = None, cwd: Optional[Path] = None) -> SiteSettings:
    """The knowledge base to work on: the given folder, else mkdocs.yml's, else ./content, else here."""
    here = cwd or Path.cwd()
    config = find_config(here)
    options = lessons_options(config) if config else None
    configured: Optional[Path] = None
    if config is not None and options is not None:
        root = Path(str(options.get("root") or DEFAULT_ROOT))
        configured = root if root.is_absolute() else config.parent / root
    if given_root:
        # The site's options apply only to the folder the site reads.
        same = configured is not None and (here / given_root).resolve() == configured.resolve()
        if same and config is not None:
            return SiteSettings(config, Path(given_root), options or {}, docs_dir(config), absolute_links_level(config))
        return SiteSettings(config, Path(given_root), {})
    if configured is not None and config is not None:
        return SiteSettings(config, configured, options or {}, docs_dir(config), absolute_links_level(config))
    default = here / DEFAULT_ROOT
    return SiteSettings(config, default if default.is_dir() else here)


def project_root(start: Path) -> Path:
    """The nearest folder at or above `start` with `.git` or an `mkdocs.yml`; else `start`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists() or find_config(folder) is not None:
            return folder
    return start


def repository_root(start: Path) -> Optional[Path]:
    """The nearest folder at or above `start` that holds `.git`, if any."""
    start = start.resolve()
    return next((folder for folder in (start, *start.parents) if (folder / ".git").exists()), None)
