"""Hostile record text: every value is escaped, in every kind of field and every output.

A knowledge base is built from tests/fixtures/minimal with *every* string a
record may hold freely (titles, summaries, notes, names, descriptions...)
replaced by an attack: script tags, event handlers, `javascript:`/`data:`/
`vbscript:` links (also entity- and whitespace-obfuscated), SVG and MathML
payloads, attribute breakouts, Markdown attribute lists, snippet includes,
HTML comments, CDATA, `</script>` for inline JSON. Which strings are "free"
is found by trying: a leaf is replaced only when the knowledge base still
validates, so ids, enums, dates and references keep their values and every
other string field is attacked, whatever the schema grows.

The built site is then checked file by file (no new elements, no event
handler attributes, no unsafe URLs, JSON and XML that parse to the same
text) and page by page in Chromium (no dialog, no canary global, no
console error).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import MINIMAL, Site, build, write_config
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.yamlsource import parse_text

# Each payload would set window.__pwned or open a dialog if it ran.
PAYLOADS = [
    "<script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    '"><script>window.__pwned=1</script><b x="',
    "' onmouseover='window.__pwned=1' x='",
    "[click me](javascript:window.__pwned=1)",
    "[click me](&#106;avascript:window.__pwned=1)",
    "[click me](java&#x09;script:window.__pwned=1)",
    "[click me]( JaVaScRiPt:window.__pwned=1 )",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    "<https://example.org/ok> and <javascript:alert(1)>",
    '<svg onload="window.__pwned=1"><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe srcdoc="&lt;script&gt;parent.__pwned=1&lt;/script&gt;"></iframe>',
    'plain text {: onclick="window.__pwned=1" }',
    "*emphasis*{: onmouseover=alert(1) }",
    '--8<-- "/etc/passwd"',
    "<!-- an HTML comment --><![CDATA[<script>alert(1)</script>]]>",
    "</script><script>window.__pwned=1</script>",
    '<a href="javascript:window.__pwned=1">raw link</a>',
    "<style>body{display:none}</style><object data=x></object>",
    "a|b `c` *d* _e_ [f] <g> &amp; \\ ~ ^ = # !",
    '<details open ontoggle="window.__pwned=1">x</details>',
    "<form action=javascript:alert(1)><button formaction=javascript:alert(1)>x</button></form>",
]
# Material writes `{{ page.title | striptags }}` into <title>; striptags also unescapes.
TITLE_BREAKOUT = "</title><script>window.__pwned=1</script>&lt;/title&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"
MULTILINE = "First line.\n\n[ref link][r]\n\n[r]: javascript:window.__pwned=1\n\n<div onclick=alert(1)>block</div>"

RECORDS = [
    "incidents/INC-2023-044.yaml",
    "incidents/INC-2024-017.yaml",
    "incidents/INC-2025-001.yaml",
    "sops/SOP-007.yaml",
    "paths/new-engineer.yaml",
    "taxonomy/taxonomy.yaml",
    "taxonomy/teams.yaml",
]
UNSAFE_URL = re.compile(r"^(?:javascript|vbscript|data):", re.I)


def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    elif isinstance(value, str):
        yield path


def _set(data: Any, path: tuple, value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _valid(root: Path) -> bool:
    return open_knowledge_base(root, base=root, include_drafts=True).kb is not None


def hostile_kb(target: Path) -> tuple[Path, list[tuple[str, tuple]]]:
    """The minimal KB with every free string field replaced by a payload; returns the attacked fields."""
    root = target / "kb"
    shutil.copytree(MINIMAL, root)
    attacked: list[tuple[str, tuple]] = []
    counter = 0
    for relative in RECORDS:
        file = root / relative
        data = parse_text(file.read_text("utf-8"), relative).data
        for path in list(_leaves(data)):
            if path and path[-1] == "id":
                continue
            original = _get(data, path)
            multiline = "\n" in original.strip()
            payload = MULTILINE if multiline else PAYLOADS[counter % len(PAYLOADS)]
            if path[-1] == "title" and counter % 2 == 0:
                payload = TITLE_BREAKOUT  # titles also reach <title>, the page header and the footer
            _set(data, path, payload)
            file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
            if _valid(root):
                attacked.append((relative, path))
                counter += not multiline
            else:
                _set(data, path, original)
        file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    assert _valid(root)
    return root, attacked


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Site, list[tuple[str, tuple]]]:
    target = tmp_path_factory.mktemp("hostile")
    root, attacked = hostile_kb(target)
    project = target / "project"
    project.mkdir()
    write_config(project, root, options={"include_drafts": True, "generated_paths": True})
    return build(project, strict=False), attacked


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Site:
    target = tmp_path_factory.mktemp("clean")
    project = target / "project"
    project.mkdir()
    write_config(project, MINIMAL, options={"include_drafts": True, "generated_paths": True})
    return build(project, strict=False)


def test_every_kind_of_text_field_is_attacked(hostile) -> None:
    _, attacked = hostile
    fields = {(relative.split("/")[0], tuple(p for p in path if not isinstance(p, int))) for relative, path in attacked}
    names = {path[-1] for _, path in fields}
    # The record types and fields the issue names, at least.
    for expected in ("title", "summary", "context", "impact", "event", "decision", "rationale", "lessons", "action",
                     "indicator", "note", "cause", "purpose", "steps", "when", "then", "changes", "description",
                     "audience", "facilitator", "participants"):
        assert expected in names, expected
    kinds = {kind for kind, _ in fields}
    assert kinds == {"incidents", "sops", "paths", "taxonomy"}
    assert len(attacked) >= 60


def _tag_names(site: Site) -> set[str]:
    names: set[str] = set()
    for page in site.html_pages():
        names |= {tag.name for tag in BeautifulSoup(page.read_text("utf-8"), "html.parser").find_all(True)}
    return names


def test_no_markup_from_records_in_any_page(hostile, clean) -> None:
    site, _ = hostile
    # Elements a payload would add; none appears in the hostile site's pages.
    for name in ("iframe", "object", "embed", "math", "form", "button", "style", "details", "mi"):
        assert name not in _tag_names(site) - _tag_names(clean), name
    assert site.html_pages(), "nothing built"
    for page in site.html_pages():
        text = page.read_text("utf-8")
        soup = BeautifulSoup(text, "html.parser")
        for tag in soup.find_all(True):
            for attribute, value in tag.attrs.items():
                assert not attribute.lower().startswith("on"), (page, str(tag)[:200])
                values = value if isinstance(value, list) else [value]
                if attribute.lower() in ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"):
                    for item in values:
                        cleaned = re.sub(r"[\x00-\x20]+", "", html.unescape(item))
                        assert not UNSAFE_URL.match(cleaned), (page, attribute, item)
        for script in soup.find_all("script"):
            body = script.string or ""
            assert "__pwned" not in body and "alert(" not in body, (page, body[:200])
        # Payload images and SVG handlers never become elements.
        assert not soup.select("img[src=x]"), page
        assert not soup.select("svg[onload]"), page
        # The snippet include was not performed.
        assert "root:x:0:0" not in text


def test_payload_text_is_shown_as_text(hostile) -> None:
    site, _ = hostile
    text = site.text("incidents/INC-2024-017/")
    # A title is plain text: its markup shows literally (escaped), nothing is dropped silently.
    assert "<script>window.__pwned=1;alert(1)</script>" in text or "<img src=x onerror" in text
    # Markdown links with unsafe schemes keep their text but lose their target.
    article = site.article("incidents/INC-2024-017/")
    links = [a for a in article.find_all("a") if a.get_text(strip=True) == "click me"]
    assert links, "payload links vanished"
    assert all(a.get("href") in ("#", None) or not UNSAFE_URL.match(a["href"]) for a in links)


def test_json_outputs_parse_and_keep_text(hostile) -> None:
    site, attacked = hostile
    kb = json.loads((site.site_dir / "kb.json").read_text("utf-8"))
    dump = json.dumps(kb, ensure_ascii=False)
    # The data keeps what the records say: it is data, escaped by the JSON encoder.
    assert "<script>window.__pwned=1;alert(1)</script>" in dump
    metrics = site.site_dir / "metrics.json"
    if metrics.exists():
        json.loads(metrics.read_text("utf-8"))
    # JSON embedded in pages (if any) must not close its <script> early.
    for page in site.html_pages():
        for script in BeautifulSoup(page.read_text("utf-8"), "html.parser").find_all("script", type="application/json"):
            json.loads(script.string or "null")


def test_feed_and_sitemap_are_well_formed(hostile) -> None:
    site, _ = hostile
    feed = site.site_dir / "feed.xml"
    assert feed.exists()
    root = ET.parse(feed).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summaries = [e.text or "" for e in root.findall("a:entry/a:summary", ns)]
    titles = [e.text or "" for e in root.findall("a:entry/a:title", ns)]
    assert summaries and titles
    # Text constructs: readers show them as text, never as markup.
    for element in root.iter():
        if element.get("type") not in (None, "text", "application/atom+xml", "text/html"):
            raise AssertionError(ET.tostring(element)[:200])
    for element in root.findall(".//a:content", ns):
        assert element.get("type") in (None, "text")
    ET.parse(site.site_dir / "sitemap.xml")


def test_allow_html_lets_markup_through_but_not_unsafe_links(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    record = root / "incidents/INC-2024-017.yaml"
    record.write_text(
        record.read_text("utf-8").replace(
            "summary: One paragraph for the index and search results.",
            'summary: Press <kbd class="probe">Ctrl</kbd> then [run](javascript:window.__pwned=1) and [ok](https://example.org/).',
        ),
        "utf-8",
    )
    results = {}
    for allow in (False, True):
        project = tmp_path / f"project-{allow}"
        project.mkdir()
        write_config(project, root, options={"allow_html": allow})
        site = build(project, strict=False)
        article = site.article("incidents/INC-2024-017/")
        results[allow] = article
        hrefs = {a.get_text(strip=True): a.get("href") for a in article.find_all("a")}
        assert hrefs.get("run") == "#", hrefs.get("run")
        assert hrefs.get("ok") == "https://example.org/"
    assert results[True].select("kbd.probe"), "allow_html: true should keep raw HTML"
    assert not results[False].select("kbd.probe")
    assert '<kbd class="probe">Ctrl</kbd>' in results[False].get_text()


# -- in a real browser ------------------------------------------------------------


@pytest.mark.browser
def test_no_script_runs_in_the_browser(hostile, serve, page) -> None:
    site, _ = hostile
    base = serve(site.site_dir)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    pages = [p.relative_to(site.site_dir).as_posix() for p in site.html_pages()]
    assert len(pages) > 20
    for relative in pages:
        if relative.endswith("404.html"):
            continue
        page.goto(base + relative)
        page.wait_for_load_state("load")
        # Touch every element as a reader would; an injected handler would fire.
        page.evaluate(
            """() => { for (const el of document.querySelectorAll('article *')) {
                for (const type of ['mouseover', 'mouseenter', 'focus', 'toggle']) el.dispatchEvent(new Event(type));
            } }"""
        )
        assert page.evaluate("() => window.__pwned === undefined"), relative
        assert page.evaluate("() => document.querySelectorAll('iframe, object, embed').length") == 0, relative
    assert dialogs == []
    assert page.console_errors == []
