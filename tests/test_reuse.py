"""`mkdocs serve` rebuilds reuse the files an edit cannot change (pages/reuse.py).

Every test edits one record of the sample knowledge base, generates the site
again with what the last build kept (as the plugin does while serving), and
compares every file, byte for byte, with a cold generation of the edited
records. A file kept when it should have been made again fails here.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Callable, Optional

import pytest

from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.load import DocumentCache
from mkdocs_lessons.pages import generate, make_context
from mkdocs_lessons.pages.incident import incident_page_reads

SAMPLE = Path(__file__).resolve().parent.parent / "content"
TODAY = date(2026, 11, 27)

# A line of free text: a scalar of several words, in a mapping or a list.
_TEXT_LINE = re.compile(r"^(\s*(?:- )?(?:[a-z_]+: )?)([A-Za-z][^\n:#]* [^\n#]*[A-Za-z.)])$")


class Session:
    """One `mkdocs serve`: the document cache and what the last build kept."""

    def __init__(self, root: Path, today: date = TODAY) -> None:
        self.root, self.today = root, today
        self.cache = DocumentCache()
        self.carry: dict = {}
        self.reused = 0

    def build(self) -> dict[str, object]:
        outcome = open_knowledge_base(self.root, base=self.root, cache=self.cache)
        assert outcome.ok, [str(d) for d in outcome.diagnostics.errors]
        ctx = make_context(outcome.kb, today=self.today, carry=self.carry, pagefind=True)
        files = {f.src_uri: f.content for f in generate(ctx)}
        self.reused = ctx.memo[("reuse", "reused")]
        return files


def cold(root: Path, today: date = TODAY) -> dict[str, object]:
    outcome = open_knowledge_base(root, base=root)
    assert outcome.ok
    return {f.src_uri: f.content for f in generate(make_context(outcome.kb, today=today, pagefind=True))}


def assert_same(warm: dict[str, object], fresh: dict[str, object]) -> None:
    assert list(warm) == list(fresh)
    stale = [uri for uri in fresh if warm[uri] != fresh[uri]]
    assert stale == [], f"kept but changed: {stale}"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shutil.copytree(SAMPLE, tmp_path_factory.mktemp("sample") / "kb")


def _before_and_after(base: Path, tmp_path: Path, edit: Callable[[Path], None]) -> tuple[Session, dict[str, object], dict[str, object]]:
    """A serve session's files before and after `edit`; the rebuild checked against a cold build."""
    root = shutil.copytree(base, tmp_path / "kb")
    session = Session(root)
    before = session.build()
    edit(root)
    after = session.build()
    assert_same(after, cold(root))
    return session, before, after


def _rebuild_after(base: Path, tmp_path: Path, edit: Callable[[Path], None]) -> tuple[Session, dict[str, object]]:
    session, _, after = _before_and_after(base, tmp_path, edit)
    return session, after


def _replace(relative: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        file = root / relative
        text = file.read_text("utf-8")
        assert old in text, (relative, old)
        file.write_text(text.replace(old, new, count), "utf-8")

    return edit


def _with_text_appended(text: str, key: str) -> Optional[str]:
    """The record with a sentence appended to the first line of free text under a top-level key."""
    lines = text.split("\n")
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{key}:"))
    for n in range(start, len(lines)):
        if n > start and lines[n][:1] not in (" ", ""):
            return None  # the next top-level key: no free text under this one
        if _TEXT_LINE.match(lines[n][len(key) + 2 :] if n == start else lines[n]):
            lines[n] += " Edited while serving"
            return "\n".join(lines)
    return None


EDITED = "incidents/INC-2024-017.yaml"  # a step of a reading path, with every section filled in
_RECORD = (SAMPLE / EDITED).read_text("utf-8")
TEXT_KEYS = [key for key in re.findall(r"^([a-z_]+):", _RECORD, re.M) if _with_text_appended(_RECORD, key)]


def test_the_text_edits_cover_the_prose_and_more() -> None:
    assert {"title", "summary", "context", "impact", "timeline", "decisions", "assumptions", "root_cause", "lessons", "action_items"} <= set(TEXT_KEYS)


@pytest.mark.parametrize("key", TEXT_KEYS)
def test_editing_the_text_of_any_incident_field_rebuilds_what_a_cold_build_makes(base: Path, tmp_path: Path, key: str) -> None:
    def edit(root: Path) -> None:
        (root / EDITED).write_text(_with_text_appended(_RECORD, key) or "", "utf-8")

    _rebuild_after(base, tmp_path, edit)


def _copy_summary(source: str, target: str) -> Callable[[Path], None]:
    """Give `target` the summary of `source`: it joins the similar incidents of `source`
    (and of others), while the shared key stays the same."""

    def block(text: str) -> str:
        return re.search(r"^summary:.*\n(?:  .*\n)*", text, re.M).group(0)  # type: ignore[union-attr]

    def edit(root: Path) -> None:
        wanted = block((root / f"incidents/{source}.yaml").read_text("utf-8"))
        file = root / f"incidents/{target}.yaml"
        text = file.read_text("utf-8")
        file.write_text(text.replace(block(text), wanted), "utf-8")

    return edit


STRUCTURAL_EDITS = {
    "summary like another's": _copy_summary("INC-2025-055", "INC-2024-022"),
    "severity": _replace("incidents/INC-2024-017.yaml", "severity: SEV2", "severity: SEV1"),
    "status": _replace("incidents/INC-2024-017.yaml", "status: reviewed", "status: closed"),
    "occurred": _replace("incidents/INC-2024-017.yaml", "occurred: 2024-03-14T09:12:00Z", "occurred: 2024-03-13T09:12:00Z"),
    # The oldest incident a quarter earlier: every chart gains a column, on pages that do not list it too.
    "the first quarter": _replace("incidents/INC-2023-004.yaml", "occurred: 2023-01-21T00:00:00Z", "occurred: 2022-12-21T00:00:00Z"),
    "teams": _replace("incidents/INC-2024-017.yaml", "teams: [payments, sre]", "teams: [payments]"),
    "primary term": _replace("incidents/INC-2024-017.yaml", "primary: process-deviation/skipped-review", "primary: process-deviation/handover-gap"),
    "title": _replace("incidents/INC-2024-017.yaml", "title: Checkout outage after an unreviewed config push", "title: Checkout outage after a config push"),
    "resolved": _replace(EDITED, "resolved: 2024-03-14T10:45:00Z", "resolved: 2024-03-14T11:45:00Z"),
    "detection": _replace(EDITED, "detection: alert", "detection: customer"),
    "caused_by_change": _replace(EDITED, "caused_by_change: true", "caused_by_change: false"),
    "failure_type": _replace(EDITED, "failure_type: process", "failure_type: outcome"),
    "review": _replace("incidents/INC-2024-017.yaml", "facilitator: lee.wong", "facilitator: dana.kim"),
    "related": _replace("incidents/INC-2024-017.yaml", "related: [INC-2023-044]", "related: []"),
    "procedure relation": _replace("incidents/INC-2024-017.yaml", "relation: violated", "relation: followed"),
    "tags": _replace("incidents/INC-2024-017.yaml", "tags: [config, checkout]", "tags: [config]"),
    # INC-2026-047 is a possible recurrence of INC-2023-041 (same cause, shared teams, after
    # its action A1 was done); neither is a path step, so their pages take the page key.
    "a recurrence's teams": _replace("incidents/INC-2026-047.yaml", "teams: [catalogue, data-platform]", "teams: [catalogue]"),
    "a recurrence's cause": _replace("incidents/INC-2026-047.yaml", "primary: external-shock/supplier-disruption", "primary: external-shock/weather-event"),
    "a recurrence's date": _replace("incidents/INC-2026-047.yaml", "occurred: 2026-08-14T02:00:00+01:00", "occurred: 2026-08-13T02:00:00+01:00"),
    # Listed on a term page that is a step of a path (external-shock), and not a step itself.
    "a listed incident's severity": _replace("incidents/INC-2026-047.yaml", "severity: SEV4", "severity: SEV3"),
    # In the feed (one of the newest reviews): only prose changes.
    "a newest review's summary": _replace("incidents/INC-2026-041.yaml", "summary: >-\n  ", "summary: >-\n  Edited while serving. "),
    # Shown on INC-2024-011's page only as a relation to it (not similar, not a recurrence).
    "an incoming relation's title": _replace("incidents/INC-2025-009.yaml", "title: ", "title: Renamed "),
    # Shown on INC-2026-016's page only as a relation it names.
    "an outgoing relation's title": _replace("incidents/INC-2025-003.yaml", "title: ", "title: Renamed "),
    "a recurrence's title": _replace("incidents/INC-2026-047.yaml", "title: Dairy supplier's", "title: The dairy supplier's"),
    "an earlier fix's date": _replace("incidents/INC-2023-041.yaml", "closed: 2023-11-10", "closed: 2023-11-09"),
    "a draft published": _replace("incidents/INC-2026-066.yaml", "status: draft", "status: in-review"),
    "sop title": _replace("sops/SOP-007.yaml", "title: ", "title: Renamed "),
    "taxonomy term": _replace("taxonomy/taxonomy.yaml", "title: ", "title: Renamed ", 2),
    "team title": _replace("taxonomy/teams.yaml", "title: ", "title: Renamed "),
    "path note": _replace("paths/new-engineer.yaml", "note: A small change", "note: A tiny change"),
}


def test_added_and_removed_records_rebuild_what_a_cold_build_makes(base: Path, tmp_path: Path) -> None:
    root = shutil.copytree(base, tmp_path / "kb")
    session = Session(root)
    session.build()
    record = (root / "incidents/INC-2024-017.yaml").read_text("utf-8")
    (root / "incidents/INC-2026-090.yaml").write_text(record.replace("id: INC-2024-017", "id: INC-2026-090").replace("2024-03-", "2026-03-"), "utf-8")
    assert_same(session.build(), cold(root))
    (root / "incidents/INC-2026-090.yaml").unlink()
    assert_same(session.build(), cold(root))


def _added(source: str, new_id: str, *changes: tuple[str, str]) -> Callable[[Path], None]:
    """A new incident `new_id`: a copy of `source` with `changes` made."""

    def edit(root: Path) -> None:
        text = (root / f"incidents/{source}.yaml").read_text("utf-8").replace(f"id: {source}", f"id: {new_id}")
        for old, new in changes:
            assert old in text, (source, old)
            text = text.replace(old, new)
        (root / f"incidents/{new_id}.yaml").write_text(text, "utf-8")

    return edit


# A record added while serving changes the page key: each incident page is then kept or
# made again by what it shows of the others (incident_page_reads).
ADDITIONS = {
    # Relates to INC-2023-044 (whose page lists it, "refers to this incident") and has its words.
    "a related incident": _added(
        "INC-2023-044", "INC-2026-091", ("2023-11-21", "2026-11-21"), ("teams: [logistics, sre]", "teams: [logistics, sre]\nrelated: [INC-2023-044]")
    ),
    # Same cause and teams after INC-2023-041's fix was done: a possible recurrence of it.
    "a recurrence": _added("INC-2026-047", "INC-2026-092", ("2026-08-1", "2026-09-1")),
    # The same as a draft: pages that would list it do not link it.
    "a draft": _added("INC-2026-047", "INC-2026-093", ("status: in-review", "status: draft"), ("2026-08-1", "2026-10-1")),
    # Listed nowhere but on the aggregate pages and as a similar incident.
    "a stranger": _added(
        "INC-2023-044", "INC-2026-094", ("2023-11-21", "2026-11-01"), ("teams: [logistics, sre]", "teams: [payments]"),
        ("primary: design-flaw/missing-guardrail", "primary: process-deviation/handover-gap"),
    ),
}


@pytest.mark.parametrize("name", [*STRUCTURAL_EDITS, *ADDITIONS])
def test_structural_edits_and_additions_rebuild_what_a_cold_build_makes(base: Path, tmp_path: Path, name: str) -> None:
    _rebuild_after(base, tmp_path, {**STRUCTURAL_EDITS, **ADDITIONS}[name])


def test_an_added_record_keeps_the_incident_pages_that_do_not_show_it(base: Path, tmp_path: Path) -> None:
    """Adding a record used to make every incident page again (0 of 1,233 files kept at 1,000 incidents)."""
    _, before, after = _before_and_after(base, tmp_path, ADDITIONS["a related incident"])
    pages = [uri for uri in before if uri.startswith("incidents/INC-") and uri.endswith(".md")]
    kept = [uri for uri in pages if after[uri] is before[uri]]
    remade = sorted(set(pages) - set(kept))
    # INC-2023-044 lists it (related, and it has its words); so may the incidents whose similar
    # lists it joins; the steps of reading paths read the shared key.
    assert any("INC-2023-044" in uri for uri in remade), remade
    assert len(kept) >= len(pages) // 2, remade


# An incident named by a generated link (`[INC\-…: title](…)`, hyphens escaped) or with a draft mark.
_SHOWN_INCIDENT = re.compile(r"\[(INC\\-\d{4}\\-\d{3,})[:\]]|(INC\\-\d{4}\\-\d{3,})(?:: [^\n]*?)? \*\(draft, not published\)\*")


def _shown(markdown: str) -> set[str]:
    return {(a or b).replace("\\-", "-") for a, b in _SHOWN_INCIDENT.findall(markdown)}


def _section(page: str, title: str) -> str:
    start = page.find(f"## {title}")
    if start < 0:
        return ""
    end = page.find("\n## ", start + 1)
    return page[start : end if end >= 0 else len(page)]


def test_every_incident_an_incident_page_shows_is_in_its_narrow_key(base: Path) -> None:
    """The narrow key of an incident page (incident_page_reads) names every other incident the page shows."""
    outcome = open_knowledge_base(base, base=base)
    ctx = make_context(outcome.kb, today=TODAY, carry={}, pagefind=True)
    files = {f.src_uri: f.content for f in generate(ctx)}
    rows_of = ctx.memo[("reuse", "self")].rows_of
    counted = {"shown": 0, "related": 0, "recurrences": 0}
    for incident in outcome.kb.published_incidents:
        reads = incident_page_reads(ctx, incident, rows_of)
        if reads is None:
            continue  # a step of a reading path: not narrowed
        incoming, before, after, *_, rows = reads
        page = str(files[ctx.urls.incident(incident.id)])
        shown = _shown(page) - {incident.id}
        assert shown <= {row[0] for row in rows}, (incident.id, shown)
        related = _shown(_section(page, "Related incidents"))
        assert related == set(incident.related) | set(incoming), incident.id
        recurrences = _shown(_section(page, "Possible recurrence"))
        assert recurrences == {r.earlier for r in before} | {r.later for r in after}, incident.id
        counted["shown"] += len(shown)
        counted["related"] += len(related)
        counted["recurrences"] += len(recurrences)
    assert all(counted.values()), counted  # the sample shows each kind on pages that are not steps


def test_a_prose_edit_reuses_everything_but_the_pages_that_show_it(base: Path, tmp_path: Path) -> None:
    """The point of it all: a rebuild after a timeline edit makes a handful of files, not the site."""
    session, warm = _rebuild_after(
        base, tmp_path, _replace("incidents/INC-2023-012.yaml", "event: ", "event: Edited while serving. ")
    )
    made = len(warm) - session.reused
    # The incident page, home, feed, kb.json and the assets: at most a dozen; nothing else.
    assert session.reused > 0 and made <= 12, (made, len(warm))
    unchanged = session.build()
    assert unchanged == warm


def test_a_severity_edit_keeps_the_other_incident_pages(base: Path, tmp_path: Path) -> None:
    """No incident page shows another's severity: the page key leaves it out, the shared key does not."""
    session, warm = _rebuild_after(base, tmp_path, STRUCTURAL_EDITS["severity"])
    incident_pages = [uri for uri in warm if uri.startswith("incidents/INC-") and uri.endswith(".md")]
    # Every incident page but the edited one (and the steps of reading paths, whose banners read the shared key).
    steps = len(set(re.findall(r"ref: (INC-[\d-]+)", "".join(p.read_text("utf-8") for p in (base / "paths").glob("*.yaml")))))
    assert session.reused >= len(incident_pages) - 1 - steps, (session.reused, len(incident_pages), steps)


def test_a_severity_edit_makes_again_only_its_own_terms_and_teams_pages(base: Path, tmp_path: Path) -> None:
    """Term and team pages take narrow keys: the pages that list the edited incident, and no other."""
    _, before, after = _before_and_after(base, tmp_path, STRUCTURAL_EDITS["severity"])
    remade = {uri for uri in after if uri.startswith(("taxonomy/", "teams/")) and after[uri] is not before[uri]}
    # INC-2024-017: teams payments and sre; primary process-deviation/skipped-review,
    # secondary design-flaw/missing-guardrail (and the two parents). Term pages that are
    # steps of a reading path are made again with every shared change.
    steps = set(re.findall(r"ref: (taxonomy/[a-z/-]+|teams/[a-z-]+)", "".join(p.read_text("utf-8") for p in (base / "paths").glob("*.yaml"))))
    listing = {"teams/payments", "teams/sre", "taxonomy/process-deviation/skipped-review", "taxonomy/design-flaw/missing-guardrail", "taxonomy/process-deviation", "taxonomy/design-flaw"}
    assert {uri.rsplit("/", 1)[0] if uri.endswith("/index.md") else uri.removesuffix(".md") for uri in remade} <= listing | steps, remade
    assert "teams/payments/index.md" in remade or "teams/payments.md" in remade, remade
    kept = [uri for uri in after if uri.startswith(("taxonomy/", "teams/")) and after[uri] is before[uri]]
    assert len(kept) >= 10, kept  # the other terms and teams, and both overviews (their counts hold)


def test_a_new_day_makes_every_page_again(base: Path, tmp_path: Path) -> None:
    """`today` drives overdue badges and review due dates: a setting in every key."""
    root = shutil.copytree(base, tmp_path / "kb")
    session = Session(root)
    session.build()
    session.today = date(2027, 6, 1)
    assert_same(session.build(), cold(root, today=date(2027, 6, 1)))


def test_files_moved_with_the_same_content_name_their_new_place(base: Path, tmp_path: Path) -> None:
    """A generated file names its record file (edit links, messages): content alone is not its key."""
    first = shutil.copytree(base, tmp_path / "a" / "kb")
    session = Session(first)
    session.build()
    moved = shutil.copytree(first, tmp_path / "b" / "kb")
    session.root = moved
    outcome = open_knowledge_base(moved, base=moved, cache=session.cache)
    ctx = make_context(outcome.kb, today=TODAY, carry=session.carry, pagefind=True)
    sources = [f.source for f in generate(ctx) if f.source is not None]
    assert sources and all(Path(source).is_relative_to(moved) for source in sources), [s for s in sources if not Path(s).is_relative_to(moved)][:3]
