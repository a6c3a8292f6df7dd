"""`feed.xml`: an Atom feed of newly reviewed incidents and new SOP versions.

For people who follow the knowledge base from a feed reader or a chat
channel. An incident enters the feed when its review is done (status
`reviewed` or `closed`), dated by `review.date`; an SOP version enters when
it takes effect after passing the approval gate, dated by `effective`; an
open action item enters when its `next_check_in` falls due this week
(Monday to today), dated by that day, as a reminder for its owner.
Nothing dated after "today" is listed yet. Newest first, at most
`feed_size` entries.

Everything is derived from the records, so the same records give the same
bytes: `<updated>` is the newest entry's date, never the build time. Entry
ids are the entries' absolute URLs when `site_url` is set (the URLs are a
contract and never change); without it, name-based UUIDs of the same paths,
and links relative to the feed.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from typing import Optional
from urllib.parse import urljoin

from mkdocs_lessons import __version__
from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.records.model import KIND_LABELS, Incident, natural_key

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry, even escaped: a record may hold them through YAML escapes.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedEntry:
    day: date
    title: str
    page: str  # the source path of the page it links to
    summary: str
    categories: list[tuple[str, str]] = field(default_factory=list)  # (term, label)
    order: tuple = ()  # the tie-break among entries of one day (newest first)
    fragment: str = ""  # makes the id unique when several entries link one page (check-in reminders)


def _clean(value: object) -> str:
    return " ".join(_NOT_XML.sub("", str(value)).split())


def _team_titles(ctx: Context, team_ids: list[str]) -> str:
    return ", ".join(ctx.kb.teams[t].title if t in ctx.kb.teams else t for t in team_ids)


def newest_reviewed(ctx: Context, limit: int) -> list[Incident]:
    """The `limit` newest reviews: no older one can be among the feed's `limit` entries."""
    return ctx.analysis.newest_reviewed(limit)


def incident_entries(ctx: Context, limit: int) -> list[FeedEntry]:
    entries = []
    for incident in newest_reviewed(ctx, limit):
        review = incident.review
        assert review is not None and review.date is not None
        kind = KIND_LABELS.get(incident.kind, incident.kind)
        facts = [kind + (f", {incident.severity}" if incident.severity else ""), _team_titles(ctx, incident.teams)]
        summary = f"{'; '.join(facts)}. Reviewed on {review.date.isoformat()}. {incident.summary}"
        categories = [(incident.kind, kind)]
        if incident.severity:
            categories.append((incident.severity, incident.severity))
        categories += [(f"team/{t}", _team_titles(ctx, [t])) for t in incident.teams]
        categories += [(f"taxonomy/{t}", ctx.term_label(t)) for t in incident.terms]
        entries.append(
            FeedEntry(
                review.date,
                f"{incident.id}: {incident.title}",
                ctx.urls.incident(incident.id),
                summary,
                categories,
                (1, natural_key(incident.id)),
            )
        )
    return entries


def check_in_entries(ctx: Context) -> list[FeedEntry]:
    """Open action items whose check-in fell due this week (Monday to today): a reminder for their owners.

    Each is dated by its check-in day and links to its incident; its id is
    the incident page's plus the item and the day, so a feed reader shows a
    new reminder for each new check-in date.
    """
    entries = []
    for due in ctx.analysis.followup.due_this_week:
        incident, item = due.ref.incident, due.ref.item
        owner = item.owner or "no owner"
        summary = (
            f"Check-in due {due.on.isoformat()} for action {item.id} of {incident.id} (owner: {owner}; status: "
            f"{item.status}). {item.action}"
        )
        entries.append(
            FeedEntry(
                due.on,
                f"Check-in due: {incident.id} {item.id} ({owner})",
                ctx.urls.incident(incident.id),
                summary,
                [("check-in", "Check-in due")] + [(f"team/{t}", _team_titles(ctx, [t])) for t in incident.teams],
                (2, natural_key(incident.id), natural_key(item.id)),
                fragment=f"check-in-{item.id}-{due.on.isoformat()}",
            )
        )
    return entries


def sop_entries(ctx: Context) -> list[FeedEntry]:
    entries = []
    for sop in ctx.kb.sops.values():
        for version in sop.versions:
            # Passed the approval gate (as the dashboard counts it): approved or
            # superseded, or retired after an approval.
            gated = version.status in ("approved", "superseded") or (
                version.status == "retired" and bool(version.approved_by)
            )
            if not gated or version.effective is None or version.effective > ctx.today:
                continue
            parts = [f"Version {version.version} of {sop.id} took effect on {version.effective.isoformat()}"]
            if version.approved_by:
                parts[0] += f", approved by {', '.join(version.approved_by)}"
            if version.status != "approved":
                parts.append(f"It is {version.status} now")
            if version.changes:
                parts.append(f"What changed: {version.changes}")
            if version.motivated_by:
                parts.append(f"Motivated by {', '.join(version.motivated_by)}")
            summary = ". ".join(p.rstrip(".") for p in parts) + ". " + version.purpose
            owner = _team_titles(ctx, [sop.owner])
            entries.append(
                FeedEntry(
                    version.effective,
                    f"{sop.id} v{version.version}: {sop.title}",
                    ctx.urls.sop_version(sop.id, version.version),
                    summary,
                    [("sop", "Procedure"), (f"team/{sop.owner}", owner)],
                    (0, natural_key(sop.id), version.version),
                )
            )
    return entries


def _absolute(ctx: Context, src_uri: str) -> Optional[str]:
    if not ctx.site_url:
        return None
    base = ctx.site_url if ctx.site_url.endswith("/") else ctx.site_url + "/"
    return urljoin(base, ctx.page_url(src_uri))


def _id(ctx: Context, src_uri: str, fragment: str = "") -> str:
    absolute = _absolute(ctx, src_uri)
    tail = f"#{fragment}" if fragment else ""
    if absolute:
        return absolute + tail
    # No site URL: a UUID named by the site and the page's path is as stable as the path.
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mkdocs-lessons:{ctx.site_name}:{ctx.page_url(src_uri)}{tail}").urn


def _href(ctx: Context, src_uri: str) -> str:
    return _absolute(ctx, src_uri) or ctx.href(ctx.urls.feed, src_uri)


def _timestamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _add(parent: ET.Element, tag: str, text: Optional[str] = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def session_entries(ctx: Context, limit: int) -> list[FeedEntry]:
    """The `limit` newest sessions held by today (learning sessions, drills, reviews, renewals)."""
    from mkdocs_lessons.records.model import SESSION_KIND_LABELS

    entries = []
    for session in ctx.analysis.programme.held[:limit]:
        kind = SESSION_KIND_LABELS.get(session.kind, session.kind)
        parts = [f"{kind} on {session.date.isoformat()} with {_team_titles(ctx, session.teams)}"]
        if session.discussed:
            parts.append(f"Discussed {', '.join(session.discussed)}")
        if session.outcomes:
            parts.append(f"Outcomes: {' '.join(session.outcomes)}")
        summary = ". ".join(p.rstrip(".") for p in parts) + "."
        categories = [("session", "Learning session"), (f"session/{session.kind}", kind)]
        categories += [(f"team/{t}", _team_titles(ctx, [t])) for t in session.teams]
        entries.append(
            FeedEntry(
                session.date,
                session.title,
                ctx.urls.session(session.id),
                summary,
                categories,
                (2, natural_key(session.id)),
            )
        )
    return entries


def render_feed(ctx: Context) -> GeneratedFile:
    size = max(ctx.feed_size, 0)
    entries = sorted(
        incident_entries(ctx, size) + sop_entries(ctx) + session_entries(ctx, size) + check_in_entries(ctx),
        key=lambda e: (e.day, e.order),
        reverse=True,
    )[:size]
    name = ctx.site_name or "Lessons learned"
    # Unqualified tags under a default xmlns: no change to ElementTree's global prefix registry.
    feed = ET.Element("feed", {"xmlns": ATOM})
    _add(feed, "title", f"{name}: new reviews and procedure versions")
    _add(
        feed,
        "subtitle",
        (
            "Incident, near-miss and success reviews when their review is done; procedure versions when they take "
            "effect; action-item check-ins that fell due this week."
        ),
    )
    _add(feed, "id", _id(ctx, ctx.urls.feed))
    _add(feed, "updated", _timestamp(entries[0].day if entries else ctx.today))
    if ctx.site_url:
        _add(feed, "link", rel="self", type="application/atom+xml", href=_absolute(ctx, ctx.urls.feed) or "")
    _add(feed, "link", rel="alternate", type="text/html", href=_href(ctx, ctx.urls.home))
    author = _add(feed, "author")
    _add(author, "name", name)
    _add(feed, "generator", "mkdocs-lessons", version=__version__)
    for entry in entries:
        element = _add(feed, "entry")
        _add(element, "title", entry.title)
        _add(element, "id", _id(ctx, entry.page, entry.fragment))
        _add(element, "link", rel="alternate", type="text/html", href=_href(ctx, entry.page))
        _add(element, "updated", _timestamp(entry.day))
        for term, label in entry.categories:
            _add(element, "category", term=term, label=label)
        _add(element, "summary", entry.summary, type="text")
    ET.indent(feed, space=" ")
    body = ET.tostring(feed, encoding="unicode")
    return GeneratedFile(ctx.urls.feed, f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n')
