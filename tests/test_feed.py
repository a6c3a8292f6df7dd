"""The Atom feed `feed.xml`: newly reviewed incidents and new SOP versions,
built by real MkDocs builds and read back with an XML parser."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import pytest

from conftest import MINIMAL

NS = {"a": "http://www.w3.org/2005/Atom"}
SITE_URL = "https://lessons.example/kb/"


def parse(site, name: str = "feed.xml") -> ET.Element:
    return ET.parse(site.site_dir / name).getroot()


def entries(feed: ET.Element) -> list[dict[str, object]]:
    found = []
    for entry in feed.findall("a:entry", NS):
        found.append(
            {
                "title": entry.findtext("a:title", namespaces=NS),
                "id": entry.findtext("a:id", namespaces=NS),
                "href": entry.find("a:link", NS).get("href"),
                "updated": entry.findtext("a:updated", namespaces=NS),
                "summary": entry.findtext("a:summary", namespaces=NS),
                "categories": [c.get("term") for c in entry.findall("a:category", NS)],
            }
        )
    return found


def test_feed_lists_reviews_and_sop_versions_newest_first(build_kb) -> None:
    site = build_kb(MINIMAL, extra={"site_url": SITE_URL})
    feed = parse(site)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.findtext("a:title", namespaces=NS) == "Test KB: new reviews and procedure versions"
    assert feed.findtext("a:id", namespaces=NS) == SITE_URL + "feed.xml"
    assert feed.findtext("a:updated", namespaces=NS) == "2024-05-02T00:00:00Z"  # the newest entry, not the build time
    assert feed.find("a:author/a:name", NS).text == "Test KB"
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert links == {"self": SITE_URL + "feed.xml", "alternate": SITE_URL}
    found = entries(feed)
    assert [(e["title"], e["updated"]) for e in found] == [
        ("SOP-007 v3: Changing production configuration", "2024-05-02T00:00:00Z"),
        ("INC-2024-017: Checkout outage after an unreviewed config push", "2024-03-19T00:00:00Z"),
        ("INC-2023-044: Near miss: a currency table almost shipped empty", "2023-11-06T00:00:00Z"),
        ("SOP-007 v2: Changing production configuration", "2023-06-01T00:00:00Z"),
    ]
    # The draft INC-2025-001 is not published, so it is not in the feed either.
    assert all("INC-2025-001" not in str(e) for e in found)
    incident = found[1]
    assert incident["id"] == incident["href"] == SITE_URL + "incidents/INC-2024-017/"
    assert incident["summary"].startswith("Incident, SEV2; Payments, Site reliability. Reviewed on 2024-03-19. ")
    assert incident["categories"] == [
        "incident", "SEV2", "team/payments", "team/sre", "taxonomy/process-deviation/skipped-review", "taxonomy/design-flaw/missing-guardrail",
    ]
    sop = found[0]
    assert sop["href"] == SITE_URL + "sops/SOP-007/v3/"
    assert "What changed: Added the mandatory diff review. Motivated by INC-2024-017." in sop["summary"]
    # Every link points at a page that was built.
    for entry in found:
        page = site.site_dir / str(entry["href"])[len(SITE_URL):] / "index.html"
        assert page.is_file(), entry["href"]


def test_without_site_url_links_are_relative_and_ids_stable(build_kb) -> None:
    first = build_kb(MINIMAL)
    second = build_kb(MINIMAL)
    assert (first.site_dir / "feed.xml").read_bytes() == (second.site_dir / "feed.xml").read_bytes()
    feed = parse(first)
    assert feed.find("a:link[@rel='self']", NS) is None
    assert feed.find("a:link[@rel='alternate']", NS).get("href") == "./"
    found = entries(feed)
    assert found[1]["href"] == "incidents/INC-2024-017/"
    assert str(found[1]["id"]).startswith("urn:uuid:")
    assert len({e["id"] for e in found}) == len(found)
    # Relative links resolve from the feed's own address.
    assert (first.site_dir / urljoin("feed.xml", str(found[1]["href"])) / "index.html").is_file()


def test_prefix_and_no_directory_urls(build_kb) -> None:
    site = build_kb(MINIMAL, prefix="kb", extra={"use_directory_urls": False})
    feed = parse(site, "kb/feed.xml")
    hrefs = [e["href"] for e in entries(feed)]
    assert hrefs[1] == "incidents/INC-2024-017.html"
    for href in hrefs:
        assert (site.site_dir / "kb" / str(href)).is_file(), href


def test_feed_size_limits_and_zero_turns_it_off(build_kb) -> None:
    site = build_kb(MINIMAL, feed_size=1)
    assert [e["title"] for e in entries(parse(site))] == ["SOP-007 v3: Changing production configuration"]
    off = build_kb(MINIMAL, feed_size=0)
    assert not (off.site_dir / "feed.xml").exists()
    assert off.soup("incidents/").find("link", type="application/atom+xml") is None
    assert "Atom feed" not in off.text("")


def test_a_negative_feed_size_is_refused(build_kb, caplog: pytest.LogCaptureFixture) -> None:
    from mkdocs.exceptions import Abort

    with pytest.raises(Abort):
        build_kb(MINIMAL, feed_size=-1)
    assert "option 'feed_size' must be 0 (no feed) or more, got -1" in caplog.text


def test_every_page_announces_the_feed(build_kb) -> None:
    site = build_kb(MINIMAL, prefix="kb")
    for url, expected in (("kb/", "feed.xml"), ("kb/incidents/INC-2024-017/", "../../feed.xml"), ("kb/sops/SOP-007/v2/", "../../../feed.xml")):
        link = site.soup(url).find("link", rel="alternate", type="application/atom+xml")
        assert link is not None, url
        assert link["href"] == expected
        assert (site.page(url).parent / link["href"]).resolve() == (site.site_dir / "kb" / "feed.xml").resolve()
        assert link["title"] == "Test KB: new reviews and procedure versions"
    # The home page links it for people, too.
    assert site.article("kb/").find("a", string="Atom feed")["href"] == "feed.xml"


def test_hostile_record_text_stays_well_formed(build_kb, tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    record = root / "incidents" / "INC-2024-017.yaml"
    text = record.read_text("utf-8")
    text = text.replace(
        "title: Checkout outage after an unreviewed config push",
        'title: "<script>alert(1)</script> & ]]> \\x01 \\u0007 end"',
    )
    text = text.replace("summary: One paragraph for the index and search results.", 'summary: "a < b && c > d\\x0b </summary><evil/>"')
    record.write_text(text, "utf-8")
    site = build_kb(root, extra={"site_name": 'Ops "KB" <&>'})
    feed = parse(site)  # parses: nothing broke the XML
    assert feed.findtext("a:title", namespaces=NS) == 'Ops "KB" <&>: new reviews and procedure versions'
    incident = next(e for e in entries(feed) if "INC-2024-017" in str(e["title"]))
    assert incident["title"] == "INC-2024-017: <script>alert(1)</script> & ]]> end"  # control characters dropped
    assert str(incident["summary"]).endswith("a < b && c > d </summary><evil/>")
    assert feed.find(".//evil") is None and feed.find(".//{http://www.w3.org/2005/Atom}evil") is None
    link = site.soup("").find("link", type="application/atom+xml")
    assert link["title"] == 'Ops "KB" <&>: new reviews and procedure versions'


def test_only_what_happened_by_today(build_kb, tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    sop = root / "sops" / "SOP-007.yaml"
    sop.write_text(
        sop.read_text("utf-8").replace("    status: approved\n    effective: 2024-05-02", "    status: approved\n    effective: 2027-01-01"),
        "utf-8",
    )
    site = build_kb(root)  # today is 2026-11-27 (conftest)
    titles = [e["title"] for e in entries(parse(site))]
    assert "SOP-007 v3: Changing production configuration" not in titles
    assert "SOP-007 v2: Changing production configuration" in titles
    site = build_kb(root, include_drafts=True)
    assert all("INC-2025-001" not in str(t) for t in [e["title"] for e in entries(parse(site))])  # a draft has no review yet
