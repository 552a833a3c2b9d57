"""Find the six section headings and split the narrative into its parts.

Headings are recognised by their wording (the format's heading and its
variants), not by the numeral alone: tables contain rows such as
"四、结转下年度继续办理" that are not headings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..format import FORMAT, Format, Section
from ..format.fields import NARRATIVE_PARTS
from .document import Document, Grid, Line
from .lines import is_footer
from .normalize import key, similarity, strip_cn_item


@dataclass
class Heading:
    section: Section
    index: int          # index into Document.items
    text: str           # as found (stripped)
    official: str = ""  # the format's heading (or listed variant) it was recognised as


_HEADING_KEYS: dict[int, tuple[Format, tuple[tuple[Section, str, str], ...]]] = {}


def _heading_keys(fmt: Format) -> tuple[tuple[Section, str, str], ...]:
    """(section, official text, key without its numeral) for every heading and variant."""
    hit = _HEADING_KEYS.get(id(fmt))
    if hit is None or hit[0] is not fmt:
        hit = _HEADING_KEYS[id(fmt)] = (fmt, tuple((s, h, strip_cn_item(key(h))[1])
                                                  for s in fmt.sections for h in (s.heading,) + s.variants))
    return hit[1]


def match_heading(text: str, fmt: Format = FORMAT) -> tuple[Section, float, str] | None:
    """The section a line is the heading of, how well it matches, and the
    official text (the format's heading or the listed variant) it matches best.

    Several passes ask about the same lines (contents, headings, a second
    report): answers are remembered per format.
    """
    _heading_keys(fmt)               # registers the format under its id
    return _match_heading(text, id(fmt))


@lru_cache(maxsize=16384)
def _match_heading(text: str, fmt_id: int) -> tuple[Section, float, str] | None:
    k = key(text)
    if not k or len(k) > 40:
        return None
    num, rest = strip_cn_item(k)
    best: tuple[Section, float, str] | None = None
    for s, h, hrest in _HEADING_KEYS[fmt_id][1]:
        if not num:                       # without its numeral only the exact wording counts
            if rest == hrest:
                return s, 1.0, h
            continue
        r = 1.0 if rest == hrest else similarity(rest, hrest)
        ok = r >= 0.75 or (num == s.number and r >= 0.45)
        if ok and (best is None or r > best[1]):
            best = (s, r, h)
    return best


def table_of_contents(items: list, fmt: Format = FORMAT) -> set[int]:
    """Indexes of heading lines that form a table of contents: three or more
    headings one after another with no text between them."""
    run: list[int] = []
    toc: set[int] = set()
    for i, it in enumerate(items + [None]):
        if isinstance(it, Line) and (not it.text.strip() or is_footer(it.text)):
            continue
        if isinstance(it, Line) and key(it.text) != "目录" and match_heading(it.text, fmt) is not None:
            run.append(i)
            continue
        if len(run) >= 3:
            toc.update(run)
        run = []
    return toc


def find_headings(doc: Document, fmt: Format = FORMAT) -> list[Heading]:
    """Section headings in order; each section at most once, numbers increasing;
    a table of contents is skipped."""
    found: list[Heading] = []
    order = [s.number for s in fmt.sections]
    last = -1
    toc = table_of_contents(doc.items, fmt)
    for i, item in enumerate(doc.items):
        if not isinstance(item, Line) or i in toc:
            continue
        m = match_heading(item.text, fmt)
        if m is None:
            continue
        pos = order.index(m[0].number)
        if pos > last:
            found.append(Heading(m[0], i, item.text.strip(), m[2]))
            last = pos
    return found


def sections_of(headings: list[str], fmt: Format = FORMAT) -> list[str]:
    """Section numbers of a list of official heading texts (``report.meta["headings"]``)."""
    by_text = {h: s.number for s in fmt.sections for h in (s.heading,) + s.variants}
    return [by_text[h] for h in headings if h in by_text]


def missing_sections(headings: list[str], fmt: Format = FORMAT) -> list[Section]:
    """The sections none of ``headings`` names, in the format's order."""
    have = set(sections_of(headings, fmt))
    return [s for s in fmt.sections if s.number not in have]


def regions(doc: Document, headings: list[Heading]) -> dict[str, list[Line | Grid]]:
    """Items between each heading and the next; "" holds what precedes 一."""
    out: dict[str, list[Line | Grid]] = {}
    bounds = [(h.section.number, h.index + 1) for h in headings]
    first = headings[0].index if headings else len(doc.items)
    out[""] = doc.items[:first]
    for n, (num, start) in enumerate(bounds):
        end = headings[n + 1].index if n + 1 < len(headings) else len(doc.items)
        out[num] = doc.items[start:end]
    return out


_END = "。！？；：!?;:」）)"


def join_lines(lines: list[str]) -> str:
    """Re-join text that PDF extraction wrapped at the line width.

    A line that ends a sentence ends a paragraph; others continue it.
    """
    out = ""
    for raw in lines:
        t = raw.strip()
        if not t or is_footer(t):
            continue
        if out and out[-1] not in _END:
            out += t
        elif out:
            out += "\n" + t
        else:
            out = t
    return out


_SUB = re.compile(r"^\s*[（(]\s*([一二三四五])\s*[）)]\s*")
_CN = "一二三四五"


def split_overview(lines: list[str]) -> dict[str, tuple[str, str]]:
    """Section 一 → {"overview": ("", text), "active": (title, text), ...}.

    The five sub-parts are the （一）…（五） sub-headings, taken in order.
    """
    parts = [p.key for p in NARRATIVE_PARTS if p.section == "一"]   # overview + five
    chunks: dict[str, list[str]] = {parts[0]: []}
    current = parts[0]
    expect = 0
    for raw in lines:
        m = _SUB.match(raw)
        if m and expect < 5 and m.group(1) == _CN[expect]:
            current = parts[expect + 1]
            chunks[current] = [raw.strip()]
            expect += 1
            continue
        chunks.setdefault(current, []).append(raw)
    out: dict[str, tuple[str, str]] = {}
    for part, ls in chunks.items():
        if part == parts[0]:
            out[part] = ("", join_lines(ls))
            continue
        title, rest = _title_of(_SUB.sub("", ls[0].strip(), count=1))
        text = join_lines(([rest] if rest else []) + ls[1:])
        out[part] = (title, text)
    return out


def _title_of(line: str) -> tuple[str, str]:
    """"主动公开及时全面。市外办……" → ("主动公开及时全面", "市外办……")."""
    for stop in ("。", "．", ". "):
        p = line.find(stop)
        if 0 < p <= 30:
            return line[:p].strip(), line[p + len(stop):].strip()
    if len(line) <= 24:
        return line.strip(), ""
    return "", line


def narrative_lines(items: list[Line | Grid]) -> list[str]:
    return [i.text for i in items if isinstance(i, Line)]
