"""Generated pages come from Jinja templates a site can override (option `custom_templates`)."""

from __future__ import annotations

from importlib import resources

import pytest

from conftest import MINIMAL, build, copy_kb, write_config


def _override(project, name: str, text: str) -> None:
    target = project / "overrides" / "lessons" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")


def test_a_site_template_replaces_the_plugins_file_by_file(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    project = tmp_path / "site"
    write_config(project, kb, options={"custom_templates": "overrides"})
    package = resources.files("mkdocs_lessons").joinpath("templates/lessons/partials/incident_body.html").read_text("utf-8")
    changed = package.replace(
        '<h2>Summary</h2>\n<div data-pagefind-weight="4">{{ body.summary }}</div>',
        '<div class="admonition abstract">\n<p class="admonition-title">Summary</p>\n{{ body.summary }}\n</div>',
    )
    assert changed != package
    _override(project, "partials/incident_body.html", changed)
    site = build(project)
    article = site.article("incidents/INC-2024-017/")
    box = article.select_one("div.admonition.abstract")
    assert box is not None and "One paragraph for the index" in box.get_text()
    # Files not overridden stay the plugin's: the facts table and the timeline are there.
    assert article.select_one(".lessons-facts table") is not None
    assert article.find(id="timeline") is not None


def test_an_override_is_escaped_like_the_plugins_templates(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    record = kb / "incidents/INC-2024-017.yaml"
    record.write_text(record.read_text("utf-8").replace("title: Checkout outage", "title: <b>Checkout</b> outage"), "utf-8")
    project = tmp_path / "site"
    write_config(project, kb, options={"custom_templates": "overrides"})
    _override(project, "incident.html", "<h1>{{ title }}</h1>\n<p id=\"mine\">{{ title }}</p>\n")
    site = build(project)
    mine = site.article("incidents/INC-2024-017/").find(id="mine")
    assert mine is not None and mine.find("b") is None and "<b>Checkout</b>" in mine.get_text()


def test_a_missing_template_folder_stops_the_build(tmp_path, caplog):
    from mkdocs.exceptions import Abort, PluginError

    kb = copy_kb(MINIMAL, tmp_path / "kb")
    project = tmp_path / "site"
    write_config(project, kb, options={"custom_templates": "nowhere"})
    with pytest.raises((PluginError, Abort)):
        build(project)
    assert "custom_templates" in caplog.text


@pytest.mark.parametrize(
    "directory_urls, from_source, expected",
    [
        (True, False, '<a href="../../sops/SOP-007/#steps">runbook</a> <img alt="d" src="../../img/flow.png"'),
        (False, False, '<a href="../sops/SOP-007/index.html#steps">runbook</a> <img alt="d" src="../img/flow.png"'),
        # Zensical resolves links from the Markdown file's folder (Context.link_href).
        (True, True, '<a href="../sops/SOP-007/#steps">runbook</a> <img alt="d" src="../img/flow.png"'),
    ],
)
def test_relative_links_in_record_text_point_where_mkdocs_would_have_pointed_them(directory_urls, from_source, expected):
    from datetime import date

    from mkdocs_lessons.knowledge import open_knowledge_base
    from mkdocs_lessons.pages.site import make_context

    kb = open_knowledge_base(MINIMAL, base=MINIMAL).kb
    ctx = make_context(kb, today=date(2026, 11, 27), use_directory_urls=directory_urls, links_from_source=from_source)
    html = ctx.prose_line("[runbook](../sops/SOP-007/index.md#steps) ![d](../img/flow.png) [web](https://example.org/x) [here](#top)", "incidents/INC-2024-017.md")
    assert expected in html
    assert 'href="https://example.org/x"' in html and 'href="#top"' in html
