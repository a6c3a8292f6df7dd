"""Generate a synthetic knowledge base of any size, deterministically (fixed seed).

Realistic sizes: full timelines, five whys, decisions, assumptions, action
items with check-ins, N/20 SOPs with several versions each (motivated by
earlier incidents), the sample taxonomy and teams, and a few reading paths.
Summaries name a few systems from a long tail of rare names, as real ones do.
Every generated knowledge base validates.

    python benchmarks/synth.py --incidents 1000 --out /tmp/kb-1000
"""

from __future__ import annotations

import argparse
from bisect import bisect_left
import random
import shutil
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE_TAXONOMY = REPO / "content" / "taxonomy"
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

SUBJECTS = ["checkout", "the payment router", "the basket service", "route planning", "the Larder warehouse system",
            "the price feed", "search", "the delivery-slot API", "the driver app", "the cold-chain monitor",
            "the order database", "the promotions engine", "single sign-on", "the refund queue", "the CDN"]
VERBS = ["failed", "slowed down", "returned stale data", "rejected valid requests", "ran out of connections",
         "double-charged a share of orders", "stopped accepting writes", "lost its configuration", "timed out"]
CAUSES = ["a configuration change that skipped review", "an expired certificate", "a retry storm after a deploy",
          "a supplier feed with an unexpected column", "a disk that filled with audit logs", "a missing index",
          "a dependency upgrade with a changed default", "a holiday demand peak", "a DNS change at the provider"]
FILLER = ("The team worked through the evidence in order, compared dashboards with the customer reports and "
          "agreed the sequence of events before discussing causes. Numbers come from the order database and the "
          "contact-centre ticket system. ")
OWNERS = ["dana.kim", "sam.ortiz", "lee.wong", "priya.nair", "tom.baker", "ana.silva", "jon.berg", "mia.chen"]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} because of {rng.choice(CAUSES)}."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences)) + " " + FILLER * rng.randint(1, 3)


class _RareWords:
    """Names of systems, customers and error codes: the long tail of real prose.

    Without it every word of the summaries is held by thousands of incidents
    at 10,000, and similar incidents (which take candidates only from
    features held by at most 200) find none. Zipf-distributed over 2N
    names, with its own random stream so the other fields stay as they were.
    """

    def __init__(self, incidents: int, seed: int) -> None:
        self.rng = random.Random(seed + 1)
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.names = [f"sys{''.join(self.rng.choice(letters) for _ in range(6))}" for _ in range(2 * max(incidents, 1))]
        self.cumulative = list(accumulate(1 / rank for rank in range(1, len(self.names) + 1)))

    def draw(self, count: int = 6) -> list[str]:
        return sorted(set(self.rng.choices(self.names, cum_weights=self.cumulative, k=count)))


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _term_paths(taxonomy: dict[str, Any]) -> list[str]:
    out = []
    for term in taxonomy["terms"]:
        out.append(term["id"])
        out += [f"{term['id']}/{child['id']}" for child in term.get("children", [])]
    return out


def _incident(rng: random.Random, incident_id: str, occurred: datetime, terms: list[str], teams: list[str],
              sop_versions: dict[str, list[tuple[date, int]]], earlier: list[str], today: date) -> dict[str, Any]:
    kind = rng.choices(["incident", "near-miss", "success"], [0.7, 0.2, 0.1])[0]
    status = rng.choices(["reviewed", "closed", "in-review", "draft"], [0.6, 0.25, 0.1, 0.05])[0]
    detected = occurred + timedelta(minutes=rng.randint(1, 240))
    resolved = detected + timedelta(minutes=rng.randint(5, 2000))
    timeline = []
    moment = occurred
    for _ in range(rng.randint(5, 10)):
        timeline.append({"at": _ts(moment), "event": _sentence(rng)})
        moment += timedelta(minutes=rng.randint(1, 60))
    record: dict[str, Any] = {
        "id": incident_id,
        "title": f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} ({incident_id[-4:]})",
        "kind": kind,
        "status": status,
    }
    if kind == "incident":
        record["severity"] = rng.choices(["SEV1", "SEV2", "SEV3", "SEV4"], [0.05, 0.2, 0.4, 0.35])[0]
    record.update(
        {
            "failure_type": rng.choice(["process", "outcome"]),
            "occurred": _ts(occurred),
            "detected": _ts(detected),
            "resolved": _ts(resolved),
            "teams": sorted(rng.sample(teams, rng.randint(1, 3))),
            "detection": rng.choice(["alert", "customer", "employee", "audit", "other"]),
            "caused_by_change": rng.random() < 0.5,
            "summary": _paragraph(rng, 2),
            "context": _paragraph(rng, 3),
            "impact": _paragraph(rng, 2),
            "timeline": timeline,
            "decisions": [{"at": timeline[1]["at"], "decision": _sentence(rng), "rationale": _sentence(rng)}],
            "assumptions": [{"assumption": _sentence(rng), "held": rng.random() < 0.5}],
            "classification": {"primary": rng.choice(terms), "secondary": []},
        }
    )
    secondary = rng.choice(terms)
    if secondary != record["classification"]["primary"] and rng.random() < 0.5:
        record["classification"]["secondary"] = [secondary]
    else:
        del record["classification"]["secondary"]
    record["root_cause"] = {
        "whys": [f"Why? {_sentence(rng)}" for _ in range(5)],
        "cause": _paragraph(rng, 1),
        "contributing_factors": [_sentence(rng) for _ in range(rng.randint(1, 3))],
    }
    record["lessons"] = [_sentence(rng) for _ in range(rng.randint(1, 4))]
    record["went_well"] = [_sentence(rng)]
    record["went_wrong"] = [_sentence(rng)]
    items = []
    for number in range(1, rng.randint(2, 5)):
        due = occurred.date() + timedelta(days=rng.randint(14, 120))
        state = rng.choices(["open", "in-progress", "done", "dropped"], [0.2, 0.2, 0.5, 0.1])[0] if due < today else "open"
        item: dict[str, Any] = {
            "id": f"A{number}",
            "action": _sentence(rng),
            "owner": rng.choice(OWNERS),
            "due": due.isoformat(),
            "status": state,
            "type": rng.choice(["mitigate", "prevent", "detect", "process"]),
            "indicator": "Share of changes with a reviewed diff (target 100%).",
            "check_ins": [{"date": (occurred.date() + timedelta(days=7)).isoformat(), "note": _sentence(rng)}],
        }
        if state in ("done", "dropped"):
            item["closed"] = min(due + timedelta(days=rng.randint(-10, 20)), today).isoformat()
        items.append(item)
    record["action_items"] = items
    if sop_versions and rng.random() < 0.4:
        # As reviewers write them: a violated or followed procedure cites the
        # version in force that day; a missing one names the procedure.
        sop_id = rng.choice(list(sop_versions))
        relation = rng.choice(["violated", "missing", "followed", "updated"])
        in_force = [v for effective, v in sop_versions[sop_id] if effective <= occurred.date()]
        if relation in ("violated", "followed") and in_force:
            ref = f"{sop_id}@{in_force[-1]}"
        elif relation == "updated" and in_force:
            ref = f"{sop_id}@{rng.choice([v for _, v in sop_versions[sop_id]])}"
        else:
            ref, relation = sop_id, "missing"
        record["sops"] = [{"ref": ref, "relation": relation}]
    if earlier and rng.random() < 0.3:
        record["related"] = sorted(set(rng.sample(earlier[-200:], min(2, len(earlier[-200:])))))
    record["review"] = {
        "date": (resolved.date() + timedelta(days=rng.randint(1, 14))).isoformat(),
        "facilitator": rng.choice(OWNERS),
        "participants": sorted(rng.sample(OWNERS, 3)),
    }
    record["tags"] = sorted(set(rng.sample(["config", "checkout", "deploy", "database", "vendor", "capacity", "dns", "certificates", "mobile", "data"], 2)))
    return record


def generate(out: Path, incidents: int, seed: int = 20261127, today: date = date(2026, 11, 27)) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("incidents", "sops", "taxonomy", "paths"):
        (out / folder).mkdir(parents=True)
    for name in ("taxonomy.yaml", "teams.yaml"):
        shutil.copy(SAMPLE_TAXONOMY / name, out / "taxonomy" / name)
    taxonomy = yaml.load((out / "taxonomy/taxonomy.yaml").read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    teams = [t["id"] for t in yaml.safe_load((out / "taxonomy/teams.yaml").read_text("utf-8"))["teams"]]
    terms = _term_paths(taxonomy)

    start = datetime(2019, 1, 1, tzinfo=timezone.utc)
    span = (datetime(2026, 10, 31, tzinfo=timezone.utc) - start).total_seconds()
    moments = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(incidents))
    ids: list[str] = []
    per_year: dict[int, int] = {}
    for moment in moments:
        per_year[moment.year] = per_year.get(moment.year, 0) + 1
        ids.append(f"INC-{moment.year}-{per_year[moment.year]:03d}")

    days = [m.date() for m in moments]
    sop_count = max(1, incidents // 20)
    sop_versions: dict[str, list[tuple[date, int]]] = {}
    sops = []
    for number in range(1, sop_count + 1):
        sop_id = f"SOP-{number:03d}"
        versions = []
        effective = date(2019, 1, 1) + timedelta(days=rng.randint(0, 300))
        count = rng.randint(2, 4)
        for version in range(1, count + 1):
            entry: dict[str, Any] = {
                "version": version,
                "status": "approved" if version == count else "superseded",
                "effective": effective.isoformat(),
                "approved_by": ["ops-council"],
                "purpose": _sentence(rng),
                "steps": [_sentence(rng) for _ in range(rng.randint(3, 8))],
            }
            if version > 1:
                entry["changes"] = _sentence(rng)
                before = bisect_left(days, effective)
                if before:
                    entry["motivated_by"] = [ids[rng.randrange(before)]]
            versions.append(entry)
            sop_versions.setdefault(sop_id, []).append((effective, version))
            effective += timedelta(days=rng.randint(60, 500))
        sops.append({"id": sop_id, "title": f"Procedure {number}: {rng.choice(SUBJECTS)}", "owner": rng.choice(teams),
                     "review_every_months": rng.choice([6, 12]), "versions": versions})

    systems = _RareWords(incidents, seed)
    for index, (incident_id, moment) in enumerate(zip(ids, moments)):
        record = _incident(rng, incident_id, moment, terms, teams, sop_versions, ids[max(0, index - 200) : index], today)
        record["summary"] = record["summary"].rstrip() + f" Systems involved: {', '.join(systems.draw())}."
        (out / "incidents" / f"{incident_id}.yaml").write_text(yaml.dump(record, Dumper=Dumper, sort_keys=False, allow_unicode=True), "utf-8")
    for sop in sops:
        (out / "sops" / f"{sop['id']}.yaml").write_text(yaml.dump(sop, Dumper=Dumper, sort_keys=False, allow_unicode=True), "utf-8")
    for number in range(1, 4):
        steps = [{"ref": f"taxonomy/{rng.choice(terms)}", "note": _sentence(rng)}]
        steps += [{"ref": rng.choice(ids), "note": _sentence(rng)} for _ in range(4)]
        steps += [{"ref": sops[rng.randrange(len(sops))]["id"], "note": _sentence(rng)}]
        path = {"id": f"path-{number}", "title": f"Reading path {number}", "audience": "New engineers",
                "description": _sentence(rng), "steps": steps}
        (out / "paths" / f"path-{number}.yaml").write_text(yaml.dump(path, Dumper=Dumper, sort_keys=False), "utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.out, args.incidents, args.seed)
    print(f"wrote {args.incidents} incidents to {args.out}")


if __name__ == "__main__":
    main()
