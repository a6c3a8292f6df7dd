"""The header's search box, with Pagefind behind it (`search: pagefind`, the default).

Material draws its search box in the header only when its `search` plugin
is in `config.plugins`, and its JavaScript then feeds the box from
`search/search_index.json`, a file every reader downloads whole (127 MB at
10,000 incidents). With Pagefind:
- the plugin's `theme/partials/search.html` takes the place of Material's
  (a site's `custom_dir` still wins): the same markup and classes, so it
  looks and behaves like Material's, but it is driven by `search.js`,
  which asks Pagefind's on-demand index chunks instead;
- when Material's search plugin is listed in `mkdocs.yml`, its events are
  removed: it would spend more than half the build indexing pages nobody
  downloads (the box stays, since the header checks the plugin is there);
- when it is not listed, a stand-in is put in its place, with nothing but
  `enabled`, so that Material's header draws the box.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader
from mkdocs.config.defaults import MkDocsConfig

#: The plugin's theme folder: partials that Material's templates include.
THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
MATERIAL_SEARCH = "material/search"


class HeaderBox:
    """Stands in for Material's search plugin so that the header draws the box; no events.

    Not a `BasePlugin`, whose no-op `on_*` methods MkDocs would register as
    events; the plugin collection is typed as holding only those, hence the
    two `type: ignore` where a HeaderBox is put in.
    """

    def __init__(self) -> None:
        self.config = SimpleNamespace(enabled=True)


def take_over(config: MkDocsConfig) -> None:
    """Give Material's header box to Pagefind: the box is drawn, Material's own index is not built."""
    plugins = config.plugins
    search = plugins.get(MATERIAL_SEARCH)
    if search is None:
        plugins[MATERIAL_SEARCH] = HeaderBox()  # type: ignore[assignment]  # no BasePlugin: see HeaderBox
        return
    if isinstance(search, HeaderBox):
        return
    for name, methods in plugins.events.items():
        # A new list, not an edit in place: MkDocs may be iterating the old one (on_config).
        plugins.events[name] = [m for m in methods if getattr(m, "__self__", None) is not search]
    enabled = getattr(search.config, "enabled", True)
    plugins[MATERIAL_SEARCH] = HeaderBox()  # type: ignore[assignment]  # no BasePlugin: see HeaderBox
    plugins[MATERIAL_SEARCH].config.enabled = enabled  # `search: {enabled: false}` still hides the box


def install(env: Environment, config: MkDocsConfig, globals_: dict[str, Any]) -> None:
    """Material's templates find the plugin's partials after the site's `custom_dir`, and `lessons_search` in every
    template.
    """
    loaders: list[BaseLoader] = []
    custom: Optional[str] = config.theme.custom_dir
    if custom:
        loaders.append(FileSystemLoader(custom))
    loaders.append(FileSystemLoader(str(THEME_DIR)))
    if env.loader is not None:  # the theme's (MkDocs always gives the environment one)
        loaders.append(env.loader)
    env.loader = ChoiceLoader(loaders)
    env.globals["lessons_search"] = globals_
