"""The floor: what MkDocs + Material spend on the incidents alone, without the plugin.

One plain Markdown page per incident, written from the same synthetic YAML:
title, summary, context, impact, the timeline (a table), lessons (a list),
the five whys (a numbered list) and the action items (a table). A home page
is the only page in the navigation; the incident pages are kept out of it
(`not_in_nav`), as the plugin keeps its record pages. Same theme, Markdown
extensions and search plugin as the plugin's site (sites.py), no plugin code.
No site can show its incidents for less, so `build / floor` is what
everything else the plugin's site offers costs on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import sites

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _cell(value: Any) -> str:
    return " ".join(str(value if value is not None else "").split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def incident_markdown(record: dict[str, Any]) -> str:
    lines = [f"# {record['title']}", "", str(record.get("summary", "")).strip(), ""]
    for heading, field in (("Context", "context"), ("Impact", "impact")):
        if record.get(field):
            lines += [f"## {heading}", "", str(record[field]).strip(), ""]
    if record.get("timeline"):
        lines += ["## Timeline", ""] + _table(["Time", "Event"], [[e.get("at"), e.get("event")] for e in record["timeline"]]) + [""]
    if record.get("lessons"):
        lines += ["## Lessons", ""] + [f"- {lesson}" for lesson in record["lessons"]] + [""]
    whys = (record.get("root_cause") or {}).get("whys") or []
    if whys:
        lines += ["## Five whys", ""] + [f"{n}. {why}" for n, why in enumerate(whys, 1)] + [""]
    items = record.get("action_items") or []
    if items:
        rows = [[i.get("id"), i.get("action"), i.get("owner"), i.get("due"), i.get("status")] for i in items]
        lines += ["## Action items", ""] + _table(["Id", "Action", "Owner", "Due", "Status"], rows) + [""]
    return "\n".join(lines)


def write_floor(kb: Path, root: Path) -> Path:
    """Write the floor's docs folder (index.md, incidents/<id>.md) and mkdocs.yml under `root`; returns the config file."""
    docs = root / "docs"
    (docs / "incidents").mkdir(parents=True, exist_ok=True)
    count = 0
    for record_file in sorted((kb / "incidents").glob("*.yaml")):
        record = yaml.load(record_file.read_text("utf-8"), Loader=Loader)
        (docs / "incidents" / f"{record['id']}.md").write_text(incident_markdown(record), "utf-8")
        count += 1
    (docs / "index.md").write_text(f"# Incidents\n\n{count} incident pages, none of them in the navigation.\n", "utf-8")
    config = {
        "site_name": "Benchmark floor",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": sites.THEME,
        "plugins": ["search"],
        "markdown_extensions": sites.MARKDOWN_EXTENSIONS,
        "nav": [{"Home": "index.md"}],
        # Out of the nav and not listed as "pages not in the nav" at every build.
        "not_in_nav": "/incidents/",
    }
    return sites.write_config(root, config)
