"""The manual (README.md and docs/): every link between its pages leads somewhere, and
the README stays a front page (issue 25: under 200 lines)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _anchor(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    words = re.sub(r"[^\w\- ]", "", heading.lstrip("#").strip().lower())
    return words.replace(" ", "-")


def _broken_links(page: Path) -> list[str]:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.exists():
            broken.append(target)
        elif anchor and destination.suffix == ".md" and anchor not in {_anchor(line) for line in destination.read_text().splitlines() if line.startswith("#")}:
            broken.append(target)
    return broken


def test_every_link_of_the_manual_leads_somewhere():
    assert len(PAGES) > 5
    assert {page.name: broken for page in PAGES if (broken := _broken_links(page))} == {}


def test_a_broken_link_is_found(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n[here](#title) [there](#nowhere) [file](missing.md) ![pic](page.md)\n")
    assert _broken_links(page) == ["#nowhere", "missing.md"]


def test_the_readme_is_a_front_page():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) < 200
    assert "## Two commands" in lines and "docs/" in "\n".join(lines)
