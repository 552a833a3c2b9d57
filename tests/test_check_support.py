"""Shared helpers for the checker tests: the seed and published samples as Reports.

The samples' expected.json carry the tables only; their narratives come from
the source texts (section 一 paragraphs, split at the （一）…（五） sub-headings).
"""
from __future__ import annotations

from conftest import SHARED

import copy
import re
from functools import lru_cache
from pathlib import Path

from nianbao import reportjson
from nianbao.model import NarrativeText, Report

SAMPLES = (SHARED / "samples")
SEED_JSON = SAMPLES / "seed" / "zibo-fao-2023.expected.json"
SEED_TXT = SAMPLES / "seed" / "zibo-fao-2023.txt"
PUBLISHED = SAMPLES / "published"

_PARTS_OF_ONE = ("overview", "active", "requests", "management", "platforms", "oversight")
_SUB = re.compile(r"^（([一二三四五])）")
_FOOTER = re.compile(r"^-\d+-$")


def sections(text: str) -> dict[str, list[str]]:
    """Lines of each top-level section 一…六 (and "" for the preamble)."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or _FOOTER.match(line):
            continue
        m = re.match(r"^([一二三四五六])、", line)
        if m and m.group(1) not in out:
            current = m.group(1)
            out[current] = []
            continue
        out[current].append(line)
    return out


def narrative_from_source(path: Path, joined: bool = True) -> dict[str, str]:
    """Section 一 split into overview + （一）…（五）, plus 五 and 六, as plain text.

    PDF extractions wrap lines mid-sentence, so lines are joined without a
    separator; the seed (one paragraph per line) keeps its line breaks.
    """
    secs = sections(path.read_text(encoding="utf-8"))
    sep = "" if joined else "\n"
    parts: dict[str, list[str]] = {p: [] for p in _PARTS_OF_ONE}
    current = "overview"
    for line in secs.get("一", []):
        m = _SUB.match(line)
        if m:
            current = _PARTS_OF_ONE["一二三四五".index(m.group(1)) + 1]
        parts[current].append(line)
    out = {k: sep.join(v) for k, v in parts.items()}
    out["problems"] = sep.join(secs.get("五", []))
    out["other_matters"] = sep.join(secs.get("六", []))
    return out


def with_narrative(report: Report, texts: dict[str, str]) -> Report:
    for key, text in texts.items():
        report.narrative[key] = NarrativeText("", text)
    return report


@lru_cache(maxsize=None)
def _seed() -> Report:
    report = reportjson.load(SEED_JSON)
    report.meta.update({"agency_kind": "部门", "level": "设区的市级"})
    return with_narrative(report, narrative_from_source(SEED_TXT, joined=False))


def seed() -> Report:
    """A fresh, mutable copy of the seed report (淄博市外办 2023) with its narrative."""
    base = _seed()
    return copy.deepcopy(base, {id(base.format): base.format})   # the format is shared, not copied


def seed_prior() -> Report:
    """A plausible 2022 report for the seed: 1 application, all else consistent."""
    prior = seed()
    prior.meta["year"] = 2022
    for key in prior.values:
        if key.startswith(("requests.", "appeals.")):
            prior.values[key] = 0
    for row in ("new_received", "disclosed", "total_processed"):
        prior.values[f"requests.{row}.natural_person"] = 1
        prior.values[f"requests.{row}.total"] = 1
    prior.narrative = {k: NarrativeText("", "") for k in prior.narrative}
    prior.narrative["problems"] = NarrativeText("", "去年的问题是信息更新不够及时，已加强审核力量，按期整改。")
    return prior


def published(name: str, narrative: bool = True) -> Report:
    d = PUBLISHED / name
    report = reportjson.load(d / "expected.json")
    if narrative:
        with_narrative(report, narrative_from_source(d / "source.txt"))
    return report


PUBLISHED_NAMES = tuple(sorted(p.name for p in PUBLISHED.iterdir() if (p / "expected.json").exists()))
