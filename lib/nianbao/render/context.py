"""One view-model of the report, shared by the Word and HTML renderers.

Everything a reader sees (title, opening paragraph, official headings,
narrative with computed figures, table grids) is decided here once; the
renderers only lay it out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..figures import PlaceholderProblem, fill_placeholders
from ..format.fields import NARRATIVE_PARTS
from ..model import Report
from .grid import Grid, build_grids

REPORT_NAME = "政府信息公开工作年度报告"

#: Which table each table section shows.
SECTION_TABLES = {"二": "active", "三": "requests", "四": "appeals"}

#: Where a narrative part goes: section number -> part keys in order.
SECTION_PARTS: dict[str, tuple[str, ...]] = {}
for _p in NARRATIVE_PARTS:
    SECTION_PARTS.setdefault(_p.section, ())
    SECTION_PARTS[_p.section] += (_p.key,)

_END_PUNCT = "。；;：:！？.!?"


@dataclass
class Paragraph:
    text: str
    lead: str = ""               # a （一）… sub-heading run at the start (楷体)


@dataclass
class SectionView:
    number: str
    heading: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    table: Grid | None = None


@dataclass
class ReportView:
    title: str
    title_lines: tuple[str, ...]
    opening: str
    sections: list[SectionView]
    problems: list[PlaceholderProblem] = field(default_factory=list)
    agency: str = ""
    year: int | None = None


def report_title(report: Report) -> tuple[str, ...]:
    """The title as printed on two lines: the agency, then year and name."""
    year = f"{report.year}年" if report.year else ""
    second = f"{year}{REPORT_NAME}"
    return (report.agency, second) if report.agency else (second,)


def opening_paragraph(report: Report) -> str:
    """Statistics period and how to contact the agency, as in published reports."""
    meta = report.meta
    parts = []
    y = report.year
    if y:
        parts.append(f"本年度报告中所列数据的统计期限自{y}年1月1日起，至{y}年12月31日止。")
    office = (meta.get("contact_office") or report.agency or "").strip()
    contacts = [(label, str(meta.get(key) or "").strip()) for key, label in (
        ("address", "地址"), ("postcode", "邮编"), ("phone", "电话"), ("fax", "传真"),
        ("email", "电子邮箱"))]
    details = "，".join(f"{label}：{v}" for label, v in contacts if v)
    if office:
        parts.append(f"如对报告内容有疑问，请与{office}联系" + (f"（{details}）" if details else "") + "。")
    elif details:
        parts.append(f"如对报告内容有疑问，请联系（{details}）。")
    return "".join(parts)


#: Phone/fax numbers ("0533-2771826", "(0533)2771826") and e-mail addresses:
#: printed on one line, never broken at their hyphen or dot.
UNBREAKABLE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\(?\d{3,4}\)?[-\u2011]?\d{7,8}(?:[-\u2011]\d{1,6})?")


def unbreakable_parts(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, keep on one line) pairs, in order."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in UNBREAKABLE.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _lead(number: str, title: str) -> str:
    title = title.strip()
    if not title:
        return ""
    if not title.startswith(number):
        title = number + title
    return title if title[-1] in _END_PUNCT else title + "。"


def _paragraphs(text: str, lead: str = "") -> list[Paragraph]:
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return [Paragraph("", lead)] if lead else []
    return [Paragraph(lines[0], lead)] + [Paragraph(ln) for ln in lines[1:]]


def build_view(report: Report, prior: Report | None = None) -> ReportView:
    """The whole report as data; unresolved placeholders are in ``problems``."""
    parts = {p.key: p for p in NARRATIVE_PARTS}
    problems: list[PlaceholderProblem] = []
    grids = build_grids(report)
    opening = opening_paragraph(report)
    sections: list[SectionView] = []
    for sec in report.format.sections:
        view = SectionView(sec.number, sec.heading)
        for key in SECTION_PARTS.get(sec.number, ()):
            part = parts[key]
            nt = report.narrative.get(key)
            raw = nt.text if nt else ""
            text, found = fill_placeholders(raw, report, prior)
            problems.extend(found)
            title = (nt.title if nt else "") or (part.default_title if raw.strip() else "")
            view.paragraphs += _paragraphs(text, _lead(part.number, title) if part.number else "")
        if sec.number in SECTION_TABLES:
            view.table = grids[SECTION_TABLES[sec.number]]
        sections.append(view)
    if "统计期限" in report.text("overview"):
        opening = ""            # the staff wrote their own opening; do not repeat it
    lines = report_title(report)
    return ReportView("".join(lines), lines, opening, sections, problems,
                      report.agency, report.year)
