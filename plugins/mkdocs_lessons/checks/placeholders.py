"""Text that `lessons new` writes where a required field needs a value the
contributor has not given yet, and the rule that keeps it off the site.

A new record has to validate at once, so a required Markdown field
(an incident's summary, an SOP version's purpose and first step) gets a
clearly marked placeholder when the contributor skips it. Such text must
not be published: an incident that leaves `draft` with it is an error;
an SOP version with it is an error once proposed or approved, and a
warning while it is a draft (an SOP's draft versions are shown on its page).

Only the exact placeholder sentences count, so no real record text is
ever mistaken for one.
"""

from __future__ import annotations

from mkdocs_lessons.diagnostics import Diagnostics, Severity
from mkdocs_lessons.records.load import LoadResult

INCIDENT_SUMMARY = "TODO: one paragraph for the index and search results: what happened and why it matters."
SOP_PURPOSE = "TODO: why this procedure exists, in one or two sentences."
SOP_STEP = "TODO: the first step, as an instruction to the reader."

ALL = frozenset({INCIDENT_SUMMARY, SOP_PURPOSE, SOP_STEP})


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and value.strip() in ALL


def check_placeholders(result: LoadResult) -> None:
    """Report placeholder text from `lessons new` that would reach readers."""
    diags: Diagnostics = result.diagnostics
    for incident in [*result.incidents.values(), *result.partial["incident"]]:
        doc = incident.source
        # A status the schema rejected (a record that failed it, see records/load.py) reads as None: no verdict.
        if doc is None or incident.status in ("draft", None) or not is_placeholder(incident.summary):
            continue
        diags.add(
            doc.diagnostic(
                ("summary",),
                (
                    "still holds the placeholder written by `lessons new`; write the summary before the status leaves "
                    f"draft (it is '{incident.status}')"
                ),
                rule="placeholder",
            )
        )
    for sop in [*result.sops.values(), *result.partial["sop"]]:
        doc = sop.source
        if doc is None:
            continue
        for index, version in enumerate(sop.versions):
            if version.status is None:
                continue
            draft = version.status == "draft"
            severity = Severity.WARNING if draft else Severity.ERROR
            why = (
                "it is shown on the SOP page as a draft" if draft else f"version {version.version} is {version.status}"
            )
            if is_placeholder(version.purpose):
                diags.add(
                    doc.diagnostic(
                        ("versions", index, "purpose"),
                        f"still holds the placeholder written by `lessons new` ({why})",
                        rule="placeholder",
                        severity=severity,
                    )
                )
            for step_index, step in enumerate(version.steps):
                if is_placeholder(step):
                    diags.add(
                        doc.diagnostic(
                            ("versions", index, "steps", step_index),
                            f"still holds the placeholder written by `lessons new` ({why})",
                            rule="placeholder",
                            severity=severity,
                        )
                    )
