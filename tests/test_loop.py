"""The learning loop (issue 9): version in force, loop closure, recurrence, lints, similar incidents, lessons page.

Each rule is tested on a small purpose-built knowledge base (a copy of the
minimal fixture with records written into it), asserting the exact
diagnostics and what a reader sees on the built pages.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_lessons.cli.main import main
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.checks.lints import LintConfig, lint
from mkdocs_lessons.records.model import natural_key
from mkdocs_lessons.analysis.loop import build_loop, loop_figures
from mkdocs_lessons.records.in_force import version_in_force
from mkdocs_lessons.analysis.similar import find_similar

from conftest import MINIMAL

SOP = """\
id: SOP-007
title: Changing production configuration
owner: sre
review_every_months: 6
versions:
  - version: 1
    status: superseded
    effective: 2022-01-10
    approved_by: [ops-council]
    purpose: Keep configuration changes safe.
    steps: [Push the change.]
  - version: 2
    status: superseded
    effective: 2023-06-01
    approved_by: [ops-council]
    purpose: Keep configuration changes safe.
    steps: [Open a change ticket., Push the change.]
  - version: 3
    status: approved
    effective: 2024-05-02
    approved_by: [ops-council]
    motivated_by: [{motivated}]
    purpose: Keep configuration changes safe.
    steps: [Open a change ticket., Review the diff., Push the change.]
"""


def incident(
    incident_id: str,
    *,
    occurred: str = "2024-03-14T09:12:00Z",
    primary: str = "process-deviation/skipped-review",
    teams: str = "[payments, sre]",
    sops: str = "",
    actions: str = "",
    extra: str = "",
    status: str = "reviewed",
    title: str = "Checkout outage after a config push",
    summary: str = "A config push emptied the currency table.",
) -> str:
    return (
        textwrap.dedent(
            f"""\
            id: {incident_id}
            title: {title}
            kind: incident
            status: {status}
            severity: SEV2
            occurred: {occurred}
            teams: {teams}
            summary: {summary}
            classification:
              primary: {primary}
            root_cause:
              cause: The config tool allows whole-file replacement.
              contributing_factors: [Release freeze ended that morning.]
            lessons:
              - Every config push goes through review.
            review:
              date: {occurred[:10]}
            """
        )
        + textwrap.dedent(sops)
        + textwrap.dedent(actions)
        + textwrap.dedent(extra)
    )


def make_kb(tmp_path: Path, incidents: dict[str, str], motivated: str = "INC-2024-017") -> Path:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    (root / "sops" / "SOP-007.yaml").write_text(SOP.format(motivated=motivated), "utf-8")
    for path in (root / "incidents").glob("*.yaml"):
        path.unlink()
    (root / "paths" / "new-engineer.yaml").unlink()
    for incident_id, body in incidents.items():
        (root / "incidents" / f"{incident_id}.yaml").write_text(body, "utf-8")
    return root


CODIFIED = """\
action_items:
  - id: A1
    action: Add a mandatory diff preview to the config tool.
    owner: dana.kim
    due: 2024-04-30
    status: done
    closed: 2024-04-28
    indicator: Share of config pushes with a reviewed diff (target 100%).
    codified_in: SOP-007@3
"""


def read(site, url: str) -> str:
    """The page's text as a reader sees it (no space before punctuation after a link or code span)."""
    return re.sub(r" ([,;:).])", r"\1", site.text(url))


def loop_warnings(root: Path) -> list[str]:
    outcome = open_knowledge_base(root)
    # "incidents/INC-2024-017.yaml:20:8: warning: ..." (the folder the test ran from does not matter)
    return [f"{'/'.join(Path(d.path).parts[-2:])}{str(d)[len(d.path):]} [{d.rule}]" for d in outcome.diagnostics if d.rule.startswith(("sop-not-in-force", "loop-"))]


# -- version in force ----------------------------------------------------------------


def test_version_in_force_follows_effective_dates(tmp_path: Path) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED)})
    kb = open_knowledge_base(root).kb
    assert kb is not None
    sop = kb.sops["SOP-007"]
    assert version_in_force(sop, date(2021, 12, 31)) is None
    assert version_in_force(sop, date(2022, 1, 10)).version == 1
    assert version_in_force(sop, date(2023, 5, 31)).version == 1
    assert version_in_force(sop, date(2023, 6, 1)).version == 2
    assert version_in_force(sop, date(2026, 1, 1)).version == 3


def test_violated_version_not_in_force_is_a_warning(tmp_path: Path) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@1\n    relation: violated\n  - ref: SOP-007@1\n    relation: missing\n", actions=CODIFIED)})
    # `missing` naturally names another version: no warning for the second reference
    assert loop_warnings(root) == [
        "incidents/INC-2024-017.yaml:19:10: warning: [sops[0].ref] violated SOP-007@1, but on 2024-03-14 v2 was in force (effective 2023-06-01); cite SOP-007@2 [sop-not-in-force]"
    ]


def test_in_force_then_and_current_on_the_incident_page(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED)})
    site = build_kb(root)
    text = read(site, "incidents/INC-2024-017/")
    assert "violated (in force then: v2, current: v3)" in text
    assert "not in force then" not in text
    links = {a.get_text(): a["href"] for a in site.article("incidents/INC-2024-017/").select(".lessons-facts a")}
    assert "v2" not in links  # the cited version: its reference is the link
    assert links["v3"] == "../../sops/SOP-007/v3/"


# -- loop closure ----------------------------------------------------------------------


def test_codified_and_motivated_agree_and_show_on_both_pages(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED)})
    assert loop_warnings(root) == []
    site = build_kb(root)
    text = read(site, "incidents/INC-2024-017/")
    assert "From lesson to standard" in text and "loop closed" in text
    assert "SOP-007@3 (approved, effective 2024-05-02): action A1 is codified there, and the version names this incident as its motivation" in text
    version = read(site, "sops/SOP-007/v3/")
    assert "Made standard by: action A1 of INC-2024-017: Add a mandatory diff preview to the config tool. (done)" in version


def test_missing_direction_is_derived(tmp_path: Path, build_kb) -> None:
    # motivated_by names INC-2024-018, whose action items say nothing; INC-2024-017 says codified_in, v3 does not list it.
    root = make_kb(
        tmp_path,
        {
            "INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED),
            "INC-2024-018": incident("INC-2024-018", occurred="2024-03-20T10:00:00Z", sops="sops:\n  - ref: SOP-007@2\n    relation: missing\n", actions=CODIFIED.replace("codified_in: SOP-007@3\n", "")),
        },
        motivated="INC-2024-018",
    )
    assert loop_warnings(root) == []
    kb = open_knowledge_base(root).kb
    facts = build_loop(kb)
    links = facts.codified[("SOP-007", 3)]
    assert [(c.incident_id, c.action_id, c.declared_by_action, c.declared_by_sop) for c in links] == [
        ("INC-2024-017", "A1", True, False),
        ("INC-2024-018", "", False, True),
    ]
    site = build_kb(root)
    assert "the version itself does not name this incident" in read(site, "incidents/INC-2024-017/")
    assert "the version names this incident as its motivation (no action item of this review points to it)" in read(site, "incidents/INC-2024-018/")
    version = read(site, "sops/SOP-007/v3/")
    assert "action A1 of INC-2024-017" in version
    assert "INC-2024-018: this version names it as its motivation (no action item of that review points here)" in version


def test_contradiction_is_a_warning_on_both_sides(tmp_path: Path) -> None:
    sop = SOP.format(motivated="INC-2024-017").replace("    purpose: Keep configuration changes safe.\n    steps: [Open a change ticket., Push the change.]", "    motivated_by: [INC-2024-017]\n    purpose: Keep configuration changes safe.\n    steps: [Open a change ticket., Push the change.]")
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED)}, motivated="INC-2024-099")
    (root / "sops" / "SOP-007.yaml").write_text(sop.replace("motivated_by: [INC-2024-017]\n    purpose: Keep configuration changes safe.\n    steps: [Open a change ticket., Review", "purpose: Keep configuration changes safe.\n    steps: [Open a change ticket., Review"), "utf-8")
    found = loop_warnings(root)
    assert found == [
        "incidents/INC-2024-017.yaml:29:18: warning: [action_items[0].codified_in] codified in SOP-007@3, but SOP-007 names INC-2024-017 as the motivation of v2 [loop-contradiction]",
        "sops/SOP-007.yaml:16:20: warning: [versions[1].motivated_by[0]] v2 took effect on 2023-06-01, before INC-2024-017 occurred (2024-03-14); it cannot have motivated it [loop-contradiction]",
    ]


def test_open_loop_is_a_warning_and_fails_strict(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n")}, motivated="INC-2024-017")
    found = loop_warnings(root)
    assert "incidents/INC-2024-017.yaml:20:15: warning: [sops[0].relation] the loop is open: SOP-007@2 was violated but the review agreed no action item [loop-open]" in found
    assert main(["validate", str(root), "--strict"]) == 1
    from mkdocs.exceptions import Abort

    with pytest.raises(Abort):
        build_kb(root)


# -- recurrence ------------------------------------------------------------------------------


def test_recurrence_after_a_done_action_is_flagged_both_ways(tmp_path: Path, build_kb) -> None:
    systems = "systems: [confctl]\n"
    later = incident(
        "INC-2025-002", occurred="2025-02-01T10:00:00Z", teams="[sre]", title="Another unreviewed push", summary="Again a config push went out without review.", extra=systems
    )
    before_fix = incident("INC-2024-020", occurred="2024-04-01T10:00:00Z", teams="[sre]", title="A push before the fix", summary="A push went out before the preview shipped.", extra=systems)
    other_team = incident("INC-2025-003", occurred="2025-03-01T10:00:00Z", teams="[payments]", primary="design-flaw/missing-guardrail", title="Unrelated", summary="Something else.", extra=systems)
    root = make_kb(
        tmp_path,
        {
            "INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED, extra=systems),
            "INC-2024-020": before_fix,
            "INC-2025-002": later,
            "INC-2025-003": other_team,
        },
    )
    kb = open_knowledge_base(root).kb
    facts = build_loop(kb)
    assert [(r.earlier, r.later, r.action_id, str(r.done_on)) for items in facts.recurrences.after.values() for r in items] == [("INC-2024-017", "INC-2025-002", "A1", "2024-04-28")]
    figures = loop_figures(kb, facts)
    assert (figures.with_done_action, figures.recurred, figures.recurrence_rate) == (1, 1, 1.0)
    site = build_kb(root)
    earlier = site.article("incidents/INC-2024-017/")
    assert "The failure may have come back after this review's fix was done" in earlier.get_text(" ")
    assert earlier.find("a", href="../INC-2025-002/") is not None
    later_page = site.article("incidents/INC-2025-002/")
    assert "This may be a recurrence of earlier failures" in later_page.get_text(" ")
    assert later_page.find("a", href="../INC-2024-017/") is not None
    assert "Possible recurrence" not in read(site, "incidents/INC-2024-020/")  # before the fix was done
    dashboard = read(site, "dashboard/")
    assert "Recurrence rate 100 % (n = 1)" in dashboard
    assert "failures followed by a possible recurrence ÷ failures with a done action item: 1 of 1" in dashboard
    data = json.loads(site.page("metrics.json").read_text("utf-8"))
    assert data["learning_loop"]["recurred"] == 1 and data["learning_loop"]["recurrence_rate"] == 1.0
    assert "recurrence_rate" in data["definitions"]


# -- review-quality lints ----------------------------------------------------------------------


BAD_REVIEW = incident(
    "INC-2024-017",
    sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n",
    actions="""\
    action_items:
      - id: A1
        action: Look into the config tool.
        status: open
        codified_in: SOP-007@3
      - id: A2
        action: Add a diff preview.
        owner: dana.kim
        due: 2024-04-30
        status: open
        indicator: People are happier.
    """,
).replace("cause: The config tool allows whole-file replacement.", "cause: Human error; the engineer was careless.\n  whys: [Why? The engineer should have checked.]").replace(
    "  contributing_factors: [Release freeze ended that morning.]\n", ""
).replace("review:\n  date: 2024-03-14", "review:\n  date: 2024-05-20")


def test_lints_have_codes_and_places(tmp_path: Path) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": BAD_REVIEW})
    kb = open_knowledge_base(root).kb
    assert kb is not None
    found = [f"{d.line}:{d.column} {d.severity.value} {d.rule} [{d.field}] {d.message}" for d in lint(kb, LintConfig())]
    assert found == [
        "12:10 info LL001 [root_cause.cause] blame words in the cause: 'human error', 'careless'; describe what made the action make sense at the time, not who erred",
        "13:9 info LL006 [root_cause.whys] a single chain of whys and no contributing factors: failures rarely have one cause; list the conditions that let it happen",
        "13:10 info LL001 [root_cause.whys[0]] blame words in the five whys: 'should have'; describe what made the action make sense at the time, not who erred",
        "17:9 info LL007 [review.date] review held 67 days after the incident (more than 30): memories fade, details get lost",
        "22:9 info LL004 [action_items[0].id] action A1 has no due date",
        "22:9 info LL002 [action_items[0].id] action A1 has no indicator: how will we know it worked?",
        "22:9 info LL003 [action_items[0].id] action A1 has no owner",
        "23:13 info LL005 [action_items[0].action] action A1 is vague ('look into'): name a change someone can finish and check",
        "31:16 info LL002 [action_items[1].indicator] action A2's indicator names no number or target; make it measurable",
    ]
    custom = LintConfig(level="warning", codes={"LL002": "off", "LL004": "off"}, blame_words=("careless",), review_within_days=90)
    rules = [(d.rule, d.severity.value) for d in lint(kb, custom)]
    assert rules == [("LL001", "warning"), ("LL006", "warning"), ("LL003", "warning"), ("LL005", "warning")]  # "should have" is not in the custom list


def test_lessons_lint_command(tmp_path: Path, capsys) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": BAD_REVIEW})
    assert main(["lint", str(root)]) == 1
    out = capsys.readouterr().out
    assert "/incidents/INC-2024-017.yaml:12:10: info: [root_cause.cause] blame words in the cause: 'human error', 'careless'" in out
    assert out.rstrip().endswith("9 review-quality findings in 1 file")
    assert main(["lint", str(root), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data[0]["rule"] == "LL001" and data[0]["severity"] == "info" and data[0]["line"] == 12 and data[0]["column"] == 10
    assert main(["lint", str(root), "--format", "github"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("::notice file=") and ",line=12,col=10,title=LL001::[root_cause.cause] blame words" in first
    assert main(["lint", str(root), "--level", "off"]) == 0
    assert "no review-quality findings" in capsys.readouterr().out
    clean = make_kb(tmp_path / "clean", {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED)})
    assert main(["lint", str(clean)]) == 0
    # lints are not validation problems
    assert main(["validate", str(root), "--strict"]) == 0


def test_lint_level_in_mkdocs_build(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": BAD_REVIEW})
    site = build_kb(root, show_review_notes=True)  # strict: info lints do not fail it
    # One line for all suggestions (each is logged at DEBUG, listed by `lessons lint`).
    assert not [r for r in site.log if "[LL00" in r.getMessage() and r.levelno >= logging.INFO]
    [summary] = [r for r in site.log if "review-quality" in r.getMessage()]
    assert summary.levelname == "INFO"
    # One prefix, MkDocs' own for the plugin's logger (it was "mkdocs_lessons: lessons: ...").
    assert summary.getMessage().startswith("mkdocs_lessons: 9 review-quality suggestions in 1 record (LL001 \u00d7")
    article = site.article("incidents/INC-2024-017/")
    note = article.select_one(".admonition.note")
    assert note is not None and "Review quality: 9 suggestions" in note.get_text(" ")
    assert "Blame words ( LL001 , line 12)" in note.get_text(" ")
    from mkdocs.exceptions import Abort

    with pytest.raises(Abort):
        build_kb(root, lint_level="warning")
    assert "Review quality" not in read(build_kb(root), "incidents/INC-2024-017/")  # readers see none by default
    site = build_kb(root, show_review_notes=True, lint_level="warning", lint={"LL001": "off", "LL002": "off", "LL003": "off", "LL004": "off", "LL005": "off", "LL006": "off", "LL007": "off"})
    assert "Review quality" not in read(site, "incidents/INC-2024-017/")
    site = build_kb(root, lint_level="off")
    assert not [r for r in site.log if "[LL00" in r.getMessage()]


def test_bad_lint_options_stop_the_build(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", actions=CODIFIED)})
    from mkdocs.exceptions import Abort, PluginError

    with pytest.raises((Abort, PluginError)):
        build_kb(root, lint={"LL999": "warning"})


# -- similar incidents, lessons page, renewal --------------------------------------------------------


def test_similar_incidents_are_ranked_and_deterministic(tmp_path: Path, build_kb) -> None:
    records = {
        "INC-2024-017": incident("INC-2024-017", actions=CODIFIED, extra="tags: [config]\n"),
        "INC-2024-018": incident("INC-2024-018", title="Config push emptied the currency table again", extra="tags: [config]\n"),
        "INC-2024-019": incident("INC-2024-019", primary="design-flaw/missing-guardrail", teams="[payments]", title="Refund batch", summary="A refund batch ran twice."),
        "INC-2024-020": incident("INC-2024-020", primary="external-shock", teams="[payments]", title="Storm", summary="A storm closed the depot."),
    }
    root = make_kb(tmp_path, records)
    kb = open_knowledge_base(root).kb
    first = find_similar(kb.published_incidents)
    second = find_similar(list(reversed(kb.published_incidents)))
    assert first == second
    ranked = [s.incident_id for s in first["INC-2024-017"]]
    assert ranked[0] == "INC-2024-018"
    assert first["INC-2024-017"][0].terms == ("process-deviation/skipped-review",) and first["INC-2024-017"][0].tags == ("config",)
    site = build_kb(root)
    text = read(site, "incidents/INC-2024-017/")
    assert "Similar incidents INC-2024-018: Config push emptied the currency table again — shares cause Process deviation › Skipped review; team Payments, Site reliability; tag config" in text


def test_similar_scales_near_linearly() -> None:
    import time

    teams = [f"team{i}" for i in range(20)]
    terms = [f"t{i}/c{j}" for i in range(8) for j in range(5)]
    items = [
        _reviewed(
            id=f"INC-2024-{n:05d}",
            title=f"outage {n % 97} in service{n % 53}",
            teams=[teams[n % 20]],
            summary=f"word{n % 211} word{n % 17} widget{n % 89}",
            primary=terms[n % 40],
            tags=[f"tag{n % 30}"],
        )
        for n in range(4000)
    ]
    start = time.perf_counter()
    result = find_similar(items)
    elapsed = time.perf_counter() - start
    assert len(result) == 4000 and all(len(v) <= 5 for v in result.values())
    assert elapsed < 60, elapsed


def test_lessons_page_groups_by_term_and_links_back(tmp_path: Path, build_kb) -> None:
    records = {
        "INC-2024-017": incident("INC-2024-017", actions=CODIFIED, extra=""),
        "INC-2024-019": incident("INC-2024-019", primary="design-flaw/missing-guardrail", title="Refund batch <script>|x", summary="A refund batch ran twice."),
    }
    records["INC-2024-019"] = records["INC-2024-019"].replace("  - Every config push goes through review.", "  - Guard every batch with a dry run | and a *count*.")
    root = make_kb(tmp_path, records)
    site = build_kb(root)
    article = site.article("lessons/")
    headings = [h.get_text(" ", strip=True).rstrip("¶").strip() for h in article.find_all("h2")]
    assert headings == ["Design flaw › Missing guardrail", "Process deviation › Skipped review"]
    text = read(site, "lessons/")
    assert "2 lessons from 2 reviews, under 2 taxonomy terms" in text
    assert "Guard every batch with a dry run | and a count ." in text or "Guard every batch with a dry run | and a count." in text
    assert article.find("a", href="../incidents/INC-2024-019/").get_text() == "INC-2024-019: Refund batch <script>|x"
    assert article.find("script") is None
    nav = [a.get_text(" ", strip=True) for a in site.soup("lessons/").select("nav.md-nav--primary > ul > li > a")]
    assert nav.index("Lessons") == nav.index("Action items") + 1


def test_renewal_on_the_dashboard(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", actions=CODIFIED)})
    site = build_kb(root, renewal_every_months=18)
    text = read(site, "dashboard/")
    assert "was last updated on 2025-01-15; reviewed every 18 months, its next review is due 2026-07-15 overdue 135 d" in text
    assert "SOP-007: Changing production configuration" in text and "past the review date" in text
    data = json.loads(site.page("metrics.json").read_text("utf-8"))
    assert data["renewal"]["taxonomy_review_due"] == "2026-07-15" and data["renewal"]["sops_past_review"] == ["SOP-007"]


def test_sample_site_shows_the_loop(sample_site) -> None:
    incident = read(sample_site, "incidents/INC-2024-017/")
    assert "violated (in force then: v2, current: v3)" in incident
    assert "From lesson to standard" in incident and "loop closed The review's change reached a procedure version" in incident
    assert "Similar incidents" in incident
    recurrence = read(sample_site, "incidents/INC-2023-036/")
    assert "Possible recurrence" in recurrence and "This may be a recurrence of earlier failures" in recurrence
    lessons = read(sample_site, "lessons/")
    assert "lessons from" in lessons and "Design flaw › Missing guardrail" in lessons
    dashboard = read(sample_site, "dashboard/")
    assert "Is the loop closed?" in dashboard and "Recurrence rate" in dashboard
    assert "Renewal: is the framework itself up to date?" in dashboard
    assert not [r for r in sample_site.log if r.levelname == "WARNING"]


def test_recurrences_beyond_the_shown_few_are_counted_and_linked(tmp_path: Path, build_kb, monkeypatch) -> None:
    from mkdocs_lessons.analysis import loop

    monkeypatch.setattr(loop, "RECURRENCES_SHOWN", 1)
    laters = {
        f"INC-2025-00{n}": incident(
            f"INC-2025-00{n}", occurred=f"2025-0{n}-01T10:00:00Z", teams="[sre]", title=f"Push number {n}", summary="Again a config push went out without review.", extra="systems: [confctl]\n"
        )
        for n in (2, 3, 4)
    }
    root = make_kb(tmp_path, {"INC-2024-017": incident("INC-2024-017", sops="sops:\n  - ref: SOP-007@2\n    relation: violated\n", actions=CODIFIED, extra="systems: [confctl]\n"), **laters})
    site = build_kb(root)
    earlier = site.article("incidents/INC-2024-017/")
    words = " ".join(earlier.get_text(" ").split())
    assert "The failure may have come back after this review's fix was done (the first 1):" in words
    assert "2 later ones: see them in the incident index" in words
    assert "INC-2025-002: Push number 2 (2025-02-01), after action" in words
    assert "INC-2025-003: Push number 3 (2025-03-01), after action" not in words
    more = earlier.find("a", string="see them in the incident index")
    assert more["href"] == "../?term=process-deviation/skipped-review&team=payments&team=sre"
    assert "The 3 newest of 3 possible recurrences" in " ".join(read(site, "dashboard/").split())


def _brute_force_recurrences(incidents, scores, threshold):
    """The definition, pair by pair (analysis/recurrence.py's docstring): what find_recurrences must agree with."""
    from mkdocs_lessons.analysis.recurrence import FAILURE_KINDS

    failures = [i for i in incidents if i.kind in FAILURE_KINDS]
    fixed = {}
    for i in failures:
        dated = []
        for a in i.action_items:
            if a.status != "done":
                continue
            day = a.closed or a.due or (i.review.date if i.review else None)
            if day is not None:
                dated.append((day, natural_key(a.id)))
        if dated:
            fixed[i.id] = min(dated)[0]

    def flagged(e, l):
        shared_terms = {t for t in set(e.terms) & set(l.terms) if t in (e.primary, l.primary)}
        shared_systems = set(e.systems) & set(l.systems)
        if shared_terms and shared_systems:
            return True
        score = scores.get(frozenset((e.id, l.id)))
        systems_agree = bool(shared_systems) or not (e.systems and l.systems)
        return bool(set(e.teams) & set(l.teams)) and score is not None and score >= threshold and systems_agree

    pairs = [(e, l) for e in failures if e.id in fixed for l in failures if l.id != e.id and l.occurred.date() > fixed[e.id] and flagged(e, l)]
    return pairs, fixed


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["incident", "near-miss", "success"]),
            st.sampled_from(["a", "b"]),
            st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True),  # secondary terms
            st.sampled_from([["t1"], ["t2"], ["t1", "t2"], ["t3", "t1"]]),
            st.sampled_from([[], ["s1"], ["s2"], ["s1", "s2"]]),  # systems
            st.integers(0, 40),
            st.lists(st.tuples(st.sampled_from(["done", "done", "open"]), st.none() | st.integers(0, 40), st.none() | st.integers(0, 40)), max_size=2),
            st.none() | st.integers(0, 40),  # review date
        ),
        max_size=30,
    ),
    st.integers(1, 4),
    # Similarity scores around the threshold (14): just under, at, above.
    st.dictionaries(st.tuples(st.integers(0, 9), st.integers(0, 9)), st.sampled_from([5.0, 13.99, 14.0, 17.5]), max_size=40),
)
def test_recurrences_are_the_pairs_by_definition_listed_in_order_and_counted_exactly(rows, shown, raw_scores):
    from datetime import date, datetime, timedelta, timezone
    from types import SimpleNamespace

    from mkdocs_lessons.analysis.recurrence import SIMILARITY_THRESHOLD, find_recurrences

    start = date(2024, 1, 1)

    def day(n):
        return None if n is None else start + timedelta(days=n)

    incidents = [
        SimpleNamespace(
            id=f"INC-2024-{n:03d}",
            kind=kind,
            primary=term,
            terms=[term, *[t for t in secondary if t != term]],
            teams=teams,
            systems=systems,
            occurred=datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=occurred),
            action_items=[SimpleNamespace(id=f"A{k}", status=status, closed=day(closed), due=day(due)) for k, (status, closed, due) in enumerate(actions, 1)],
            review=SimpleNamespace(date=day(review)) if review is not None else None,
        )
        for n, (kind, term, secondary, teams, systems, occurred, actions, review) in enumerate(rows, 1)
    ]
    ids = [i.id for i in incidents]
    scores = {frozenset((ids[a], ids[b])): score for (a, b), score in sorted(raw_scores.items()) if a < len(ids) and b < len(ids) and a != b}
    similar: dict = {}
    for pair, score in scores.items():
        one, other = sorted(pair)
        similar.setdefault(one, []).append((other, score))
    pairs, fixed = _brute_force_recurrences(incidents, scores, SIMILARITY_THRESHOLD)
    found = find_recurrences(incidents, similar, shown=shown)
    assert found.pairs == len(pairs)
    for incident in incidents:
        laters = sorted((l for e, l in pairs if e is incident), key=lambda l: (l.occurred.date(), natural_key(l.id)))
        earliers = sorted((e for e, l in pairs if l is incident), key=lambda e: (fixed[e.id], natural_key(e.id)), reverse=True)
        assert found.after_total.get(incident.id, 0) == len(laters)
        assert found.before_total.get(incident.id, 0) == len(earliers)
        assert [r.later for r in found.after.get(incident.id, [])] == [l.id for l in laters[:shown]]
        assert [r.earlier for r in found.before.get(incident.id, [])] == [e.id for e in earliers[:shown]]
        for r in found.after.get(incident.id, []):
            assert r.done_on == fixed[incident.id]


def test_similar_incidents_are_reused_across_rebuilds_only_while_their_inputs_hold() -> None:
    from mkdocs_lessons.pages.site import make_context
    from mkdocs_lessons.analysis.similar import SimilarFinder

    kb = open_knowledge_base(MINIMAL).kb
    carry: dict = {}
    first = make_context(kb, today=date(2026, 11, 27), carry=carry).analysis.similar.get("INC-2024-017", [])
    finder = carry["similar"]
    assert isinstance(finder, SimilarFinder) and finder.recomputed == len(kb.published_incidents)
    again = make_context(kb, today=date(2026, 11, 27), carry=carry).analysis.similar.get("INC-2024-017", [])
    assert again == first and finder.recomputed == 0  # a serve rebuild with the same inputs
    kb.incidents["INC-2024-017"].timeline = []
    make_context(kb, today=date(2026, 11, 27), carry=carry).analysis.similar.get("INC-2024-017", [])
    assert finder.recomputed == 0  # the timeline takes no part in similarity
    kb.incidents["INC-2024-017"].title = "A different title"
    make_context(kb, today=date(2026, 11, 27), carry=carry).analysis.similar.get("INC-2024-017", [])
    assert finder.recomputed >= 1  # a title does: computed again


def _reviewed(**fields: object):
    """A bare reviewed incident for the similarity functions (which read no dates or prose)."""
    from datetime import datetime, timezone

    from mkdocs_lessons.records.model import Incident

    return Incident(kind="incident", status="reviewed", occurred=datetime(2024, 1, 1, tzinfo=timezone.utc), **fields)  # type: ignore[arg-type]


def _similar_items(specs: list[tuple[int, int, int, tuple[int, ...]]]) -> list:
    terms = ["a/x", "a/y", "b", "b/z", "c"]
    return [
        _reviewed(
            id=f"INC-2024-{n:03d}",
            title=f"w{spec[3][0] if spec[3] else 0} outage",
            teams=[f"team{spec[1]}"],
            summary=" ".join(f"w{w}" for w in spec[3]),
            primary=terms[spec[0]],
            secondary=[terms[(spec[0] + 2) % 5]] if spec[2] % 2 else [],
            tags=[f"tag{spec[2]}"],
        )
        for n, spec in enumerate(specs)
    ]


_SPEC = st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 3), st.lists(st.integers(0, 12), max_size=6).map(tuple))


@settings(max_examples=150, deadline=None)
@given(
    base=st.lists(_SPEC, min_size=2, max_size=40),
    edits=st.lists(st.tuples(st.integers(0, 10**6), _SPEC), min_size=1, max_size=6),
    cap=st.sampled_from([2, 4, 200]),
)
def test_similar_finder_after_edits_equals_a_fresh_computation(base, edits, cap) -> None:
    """Edits applied one build at a time give what a cold build gives, whatever was recomputed."""
    from mkdocs_lessons.analysis.similar import SimilarFinder

    finder = SimilarFinder(limit=2, common_cap=cap)
    specs = list(base)
    assert finder.update(_similar_items(specs)) == find_similar(_similar_items(specs), limit=2, common_cap=cap)
    for where, spec in edits:
        specs[where % len(specs)] = spec
        items = _similar_items(specs)
        assert finder.update(items) == find_similar(items, limit=2, common_cap=cap)


def test_similar_failures_of_different_systems_are_not_recurrences():
    """Team and similarity flag a pair unless both name their systems and share none (the issue's search cluster case)."""
    from datetime import date, datetime, timezone
    from types import SimpleNamespace

    from mkdocs_lessons.analysis.recurrence import TEAM_AND_SIMILARITY, find_recurrences

    def failure(incident_id, day, systems, fixed=None):
        items = [SimpleNamespace(id="A1", status="done", closed=fixed, due=None)] if fixed else []
        return SimpleNamespace(
            id=incident_id, kind="incident", primary="capacity", terms=["capacity"], teams=["sre"], systems=systems,
            occurred=datetime(2024, 1, day, tzinfo=timezone.utc), action_items=items, review=None,
        )

    earlier = failure("INC-2024-001", 1, ["orders-db"], fixed=date(2024, 1, 2))
    similar = {"INC-2024-001": [("INC-2024-002", 20.0), ("INC-2024-003", 20.0), ("INC-2024-004", 20.0)]}
    other_system, same_system, unnamed = failure("INC-2024-002", 5, ["search"]), failure("INC-2024-003", 6, ["orders-db", "search"]), failure("INC-2024-004", 7, [])
    found = find_recurrences([earlier, other_system, same_system, unnamed], similar)
    assert [(r.later, r.rule) for r in found.all] == [("INC-2024-003", "cause and system"), ("INC-2024-004", TEAM_AND_SIMILARITY)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_similar_lists_made_half_in_a_forked_copy_are_the_lists_one_process_makes(monkeypatch) -> None:
    """`mkdocs build` makes the second half of the lists in a forked copy (analysis/similar.py `FORK_FROM`): the
    lists, their order, and the state later edits start from (shortlists) are what one process makes."""
    import random

    from mkdocs_lessons.analysis.similar import SimilarFinder
    from mkdocs_lessons.pages.parallel import fork

    rng = random.Random(7)
    specs = [(rng.randrange(5), rng.randrange(4), rng.randrange(4), tuple(rng.randrange(40) for _ in range(5))) for _ in range(90)]
    monkeypatch.setattr(SimilarFinder, "FORK_FROM", 50)
    forks: list[object] = []

    def counted(work):
        forks.append(work)
        return fork(work)

    alone, forked = SimilarFinder(limit=3), SimilarFinder(limit=3)
    expected = alone.update(_similar_items(specs))
    got = forked.update(_similar_items(specs), fork=counted)
    assert len(forks) == 1  # the copy made half of them
    assert list(got.items()) == list(expected.items())
    assert [[s.score for s in found] for found in got.values()] == [[s.score for s in found] for found in expected.values()]
    assert forked.shortlists == alone.shortlists and forked.shortlisted_by == alone.shortlisted_by
    specs[3] = (1, 2, 3, (1, 2, 3))  # an edit: both start from their kept state
    assert forked.update(_similar_items(specs)) == alone.update(_similar_items(specs))

    from types import SimpleNamespace

    for broken in (lambda work: None, lambda work: SimpleNamespace(collect=lambda: None)):  # no copy; a failed one
        here = SimpleNamespace(finder=SimilarFinder(limit=3))
        assert list(here.finder.update(_similar_items(specs), fork=broken).items()) == list(alone.result.items())
