"""Machine-readable output: `kb.json` (every published record) and the JSON Schemas."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__, schema
from .common import Context, GeneratedFile


def render_kb_json(ctx: Context) -> GeneratedFile:
    kb = ctx.kb
    urls = ctx.urls
    taxonomy_doc = kb.taxonomy.source

    def with_url(raw: dict[str, Any], src_uri: str) -> dict[str, Any]:
        return {**raw, "url": ctx.page_url(src_uri)}

    data = {
        "format": "mkdocs-lessons/v1",
        "generator": f"mkdocs-lessons {__version__}",
        "incidents": [with_url(i.raw, urls.incident(i.id)) for i in kb.published_incidents],
        "sops": [
            {
                **with_url(s.raw, urls.sop(s.id)),
                "version_urls": {str(v.version): ctx.page_url(urls.sop_version(s.id, v.version)) for v in s.versions},
            }
            for s in kb.sops.values()
        ],
        "taxonomy": taxonomy_doc.data if taxonomy_doc else None,
        "teams": [{"id": t.id, "title": t.title, "description": t.description, "contact": t.contact, "url": ctx.page_url(urls.team(t.id))} for t in kb.teams.values()],
        "paths": [
            {"id": p.id, "title": p.title, "audience": p.audience, "description": p.description,
             "steps": [{"ref": s.ref, "note": s.note} for s in p.steps], "url": ctx.page_url(urls.path(p.id)),
             "print_url": ctx.page_url(urls.path_print(p.id)), "generated": p.generated}
            for p in kb.paths.values()
        ],
    }
    return GeneratedFile(urls.kb_json, _one_record_per_line(data))


def _one_record_per_line(data: dict[str, Any]) -> str:
    """JSON with every record on a line of its own.

    A diff of two builds shows the records that changed, and each record is
    encoded by json's C encoder (`indent` would switch to the pure-Python one,
    several times slower on 10,000 incidents).
    """
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    fields = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n".join(dumps(item) for item in value)
            fields.append(f"{dumps(key)}:[\n{items}\n]")
        else:
            fields.append(f"{dumps(key)}:{dumps(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def render_schemas(ctx: Context) -> list[GeneratedFile]:
    return [GeneratedFile(ctx.urls.schema(kind), schema.schema_text(kind)) for kind in schema.KINDS]
