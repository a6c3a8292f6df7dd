"""Machine-readable output: `kb.json` (every published record) and the JSON Schemas."""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from mkdocs_lessons import __version__
from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.records import schema
from mkdocs_lessons.records.model import Incident


class _Encoded(list):
    """Records already encoded as JSON, one string each (`incident_line`)."""


def incident_line(ctx: Context, incident: Incident) -> str:
    """An incident's line in `kb.json`: its record as written, and the URL of its page."""
    return _dumps({**incident.raw, "url": ctx.page_url(ctx.urls.incident(incident.id))})


def render_kb_json(ctx: Context, line: Optional[Callable[[Incident], str]] = None) -> GeneratedFile:
    """`line` encodes one incident (`incident_line`, or a copy kept from the last build)."""
    kb = ctx.kb
    urls = ctx.urls
    taxonomy_doc = kb.taxonomy.source
    line = line or (lambda incident: incident_line(ctx, incident))

    def with_url(raw: dict[str, Any], src_uri: str) -> dict[str, Any]:
        return {**raw, "url": ctx.page_url(src_uri)}

    data = {
        "format": "mkdocs-lessons/v1",
        "generator": f"mkdocs-lessons {__version__}",
        "incidents": _Encoded(line(i) for i in kb.published_incidents),
        "sops": [
            {
                **with_url(s.raw, urls.sop(s.id)),
                "version_urls": {str(v.version): ctx.page_url(urls.sop_version(s.id, v.version)) for v in s.versions},
            }
            for s in kb.sops.values()
        ],
        "taxonomy": taxonomy_doc.data if taxonomy_doc else None,
        "teams": [
            {
                "id": t.id,
                "title": t.title,
                "description": t.description,
                "contact": t.contact,
                "url": ctx.page_url(urls.team(t.id)),
            }
            for t in kb.teams.values()
        ],
        "paths": [
            {
                "id": p.id,
                "title": p.title,
                "audience": p.audience,
                "description": p.description,
                "steps": [{"ref": s.ref, "note": s.note} for s in p.steps],
                "url": ctx.page_url(urls.path(p.id)),
                "print_url": ctx.page_url(urls.path_print(p.id)),
                "generated": p.generated,
            }
            for p in kb.paths.values()
        ],
        # Record format v1.1: learning sessions (newest first) and indicators, as written, with their URLs.
        "sessions": [with_url(s.raw, urls.session(s.id)) for s in ctx.analysis.programme.sessions],
        "indicators": [with_url(i.raw, urls.indicator(i.id)) for i in kb.indicators.values()],
    }
    return GeneratedFile(urls.kb_json, _one_record_per_line(data))


def _one_record_per_line(data: dict[str, Any]) -> str:
    """JSON with every record on a line of its own.

    A diff of two builds shows the records that changed, and each record is
    encoded by json's C encoder (`indent` would switch to the pure-Python one,
    several times slower on 10,000 incidents). The pieces are joined once:
    the file is megabytes, and each join copies it.
    """
    parts = ["{\n"]
    for index, (key, value) in enumerate(data.items()):
        if index:
            parts.append(",\n")
        parts += (_dumps(key), ":")
        if isinstance(value, list) and value:
            parts.append("[\n")
            for position, item in enumerate(value if isinstance(value, _Encoded) else map(_dumps, value)):
                if position:
                    parts.append(",\n")
                parts.append(item)
            parts.append("\n]")
        else:
            parts.append(_dumps(value))
    parts.append("\n}\n")
    return "".join(parts)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_schemas(ctx: Context) -> list[GeneratedFile]:
    return [GeneratedFile(ctx.urls.schema(kind), schema.schema_text(kind)) for kind in schema.KINDS]
