"""What a builder needs besides the generated pages, as `mkdocs.yml` settings.

Inside MkDocs the plugin adds these itself (plugin.py reads the same
constants). A builder that only reads the folder written by `lessons generate`
(Zensical, or MkDocs/ProperDocs without the plugin) needs them spelled out in
its configuration: the Markdown extensions the pages are written for, the
stylesheets and scripts, and a navigation that lists the index pages but not
every record (a sidebar with every record grows the site quadratically).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import yaml

from mkdocs_lessons.pages.site import ASSETS, GeneratedFile

# Markdown extensions the generated pages rely on (render/prose.py); the MkDocs
# adapter adds them when a site lacks them.
from mkdocs_lessons.render.prose import EXTENSION_OPTIONS, REQUIRED_EXTENSIONS  # noqa: E402  (re-exported)
from mkdocs_lessons.urls import Urls

HEADER = "# Written by `lessons generate`"


@dataclass(frozen=True)
class BuilderSettings:
    nav: list[dict[str, str]]
    extra_css: list[str]
    extra_javascript: list[str]
    markdown_extensions: list[Any]

    def as_mapping(self) -> dict[str, Any]:
        return {
            "nav": self.nav,
            "extra_css": self.extra_css,
            "extra_javascript": self.extra_javascript,
            "markdown_extensions": self.markdown_extensions,
        }


def asset_uris(prefix: str) -> tuple[list[str], list[str]]:
    """The stylesheets and scripts every page links, relative to docs_dir."""
    urls = Urls(prefix)
    css = [urls.asset(name) for name in ASSETS if name.endswith(".css")]
    js = [urls.asset(name) for name in ASSETS if name.endswith(".js")]
    return css, js


def builder_settings(files: Iterable[GeneratedFile], prefix: str) -> BuilderSettings:
    css, js = asset_uris(prefix)
    nav = [{file.title: file.src_uri} for file in files if file.in_nav]
    extensions: list[Any] = [
        {name: EXTENSION_OPTIONS[name]} if name in EXTENSION_OPTIONS else name for name in REQUIRED_EXTENSIONS
    ]
    return BuilderSettings(nav=nav, extra_css=css, extra_javascript=js, markdown_extensions=extensions)


def render_settings(settings: BuilderSettings, *, out: str) -> str:
    """A YAML file another `mkdocs.yml` can `INHERIT` (MkDocs, ProperDocs and Zensical read the key) or copy from."""
    lines = [
        HEADER + f" for the pages in {out}; regenerated on every run.",
        "# Use it with `INHERIT: <this file>` in a mkdocs.yml WITHOUT the lessons plugin,",
        "# or copy these keys into yours. A key in your mkdocs.yml replaces the list here:",
        "# then add these entries to yours (your own pages go after the knowledge base's nav).",
    ]
    body = yaml.safe_dump(
        settings.as_mapping(), sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    return "\n".join(lines) + "\n" + body
