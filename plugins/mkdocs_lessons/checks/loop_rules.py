"""The learning loop's warnings: a cited version not in force, a contradiction, an open loop.

Rules `sop-not-in-force`, `loop-contradiction` and `loop-open`. The facts
they rest on (which version was in force, what codified what) are
analysis/loop.py's; this module only judges.
"""

from __future__ import annotations

from mkdocs_lessons.diagnostics import Diagnostics, Severity
from mkdocs_lessons.records.in_force import (
    IN_FORCE_RELATIONS,
    IN_FORCE_STATUSES,
    OPEN_LOOP_RELATIONS,
    REVIEWED,
    incident_day,
    version_in_force,
)
from mkdocs_lessons.records.model import Incident, Sop
from mkdocs_lessons.records.yamlsource import FieldPath


def check_loop(incidents: dict[str, Incident], sops: dict[str, Sop], diags: Diagnostics) -> None:
    """Warnings: a version cited that was not in force, a contradiction, an open loop.

    Runs on schema-valid records only, after the reference checks (unknown SOPs
    and versions are errors there and are skipped here).
    """
    # An SOP whose effective dates go backwards has its own warning
    # (sop-effective-order); which version was in force is then undefined.
    sops = {k: s for k, s in sops.items() if _dates_in_order(s)}
    for incident in incidents.values():
        doc = incident.source
        if doc is None:
            continue
        day = incident_day(incident)
        for index, link in enumerate(incident.sops):
            sop = sops.get(link.ref.sop_id)
            if sop is None or link.ref.version is None or link.relation not in IN_FORCE_RELATIONS:
                continue
            cited = sop.version(link.ref.version)
            if cited is None:
                continue
            in_force = version_in_force(sop, day)
            if in_force is None or in_force.version != cited.version:
                then = (
                    f"v{in_force.version} was in force (effective {in_force.effective})"
                    if in_force
                    else "no version was in force yet"
                )
                diags.add(
                    doc.diagnostic(
                        ("sops", index, "ref"),
                        f"{link.relation} {link.ref}, but on {day} {then}; cite {sop.id}@{in_force.version}"
                        if in_force
                        else f"{link.relation} {link.ref}, but on {day} {then}",
                        rule="sop-not-in-force",
                        severity=Severity.WARNING,
                    )
                )
        if incident.status in REVIEWED and not incident.action_items:
            for index, link in enumerate(incident.sops):
                if link.relation in OPEN_LOOP_RELATIONS:
                    diags.add(
                        doc.diagnostic(
                            ("sops", index, "relation"),
                            f"the loop is open: {link.ref} was {link.relation} but the review agreed no action item",
                            rule="loop-open",
                            severity=Severity.WARNING,
                        )
                    )
                    break
        for index, item in enumerate(incident.action_items):
            ref = item.codified_in
            sop = sops.get(ref.sop_id) if ref else None
            version = sop.resolve(ref) if sop and ref else None
            if version is None or sop is None:
                continue
            where: FieldPath = ("action_items", index, "codified_in")
            elsewhere = [
                v.version for v in sop.versions if v.version != version.version and incident.id in v.motivated_by
            ]
            if elsewhere and incident.id not in version.motivated_by:
                names = ", ".join(f"v{n}" for n in elsewhere)
                diags.add(
                    doc.diagnostic(
                        where,
                        (
                            f"codified in {sop.id}@{version.version}, but {sop.id} names {incident.id} as the "
                            f"motivation of {names}"
                        ),
                        rule="loop-contradiction",
                        severity=Severity.WARNING,
                    )
                )
            elif version.effective and version.status in IN_FORCE_STATUSES and version.effective < day:
                diags.add(
                    doc.diagnostic(
                        where,
                        (
                            f"codified in {sop.id}@{version.version}, which took effect on {version.effective}, before "
                            f"this incident occurred ({day})"
                        ),
                        rule="loop-contradiction",
                        severity=Severity.WARNING,
                    )
                )
    for sop in sops.values():
        doc = sop.source
        if doc is None:
            continue
        for v_index, version in enumerate(sop.versions):
            for m_index, incident_id in enumerate(version.motivated_by):
                motivating = incidents.get(incident_id)
                if motivating is None:
                    continue
                where = ("versions", v_index, "motivated_by", m_index)
                day = incident_day(motivating)
                if version.effective and version.status in IN_FORCE_STATUSES and version.effective < day:
                    diags.add(
                        doc.diagnostic(
                            where,
                            (
                                f"v{version.version} took effect on {version.effective}, before {incident_id} occurred "
                                f"({day}); it cannot have motivated it"
                            ),
                            rule="loop-contradiction",
                            severity=Severity.WARNING,
                        )
                    )
                    continue
                pointing = {
                    (
                        item.codified_in.sop_id,
                        resolved.version if (resolved := sop.resolve(item.codified_in)) else None,
                    )
                    for item in motivating.action_items
                    if item.codified_in and item.codified_in.sop_id == sop.id
                }
                versions = sorted(n for _, n in pointing if n is not None)
                if versions and version.version not in versions:
                    names = ", ".join(f"{sop.id}@{n}" for n in versions)
                    diags.add(
                        doc.diagnostic(
                            where,
                            (
                                f"v{version.version} names {incident_id} as its motivation, but its action items are "
                                f"codified in {names}"
                            ),
                            rule="loop-contradiction",
                            severity=Severity.WARNING,
                        )
                    )


def _dates_in_order(sop: Sop) -> bool:
    dates = [v.effective for v in sop.versions if v.effective is not None]
    return all(a <= b for a, b in zip(dates, dates[1:]))
