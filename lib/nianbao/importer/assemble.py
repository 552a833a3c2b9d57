"""Document (lines and grids) → Report: headings, tables, narrative, meta."""
from __future__ import annotations

from ..errors import InputError, Problem
from ..format import FORMAT, Format, gov2019
from ..model import NarrativeText, Report, empty_report
from . import meta as M
from .capture import unglue, unglue_table
from .document import Document, Grid, Line
from .lines import simplify
from .grids import classify_grid, grid_lines, grid_segments
from .multiple import find_second_report
from .normalize import key, strip_cn_item
from .result import TABLE_SECTIONS, ImportResult
from .sections import find_headings, join_lines, missing_sections, narrative_lines, regions, split_overview
from .segments import Seg, line_segments
from .tables import Outcome, place_active, place_appeals, place_requests

_TABLES = tuple(TABLE_SECTIONS.values())          # the sections holding tables: 二, 三, 四
_NAMES = {s.number: f"表{s.number}（{strip_cn_item(s.heading)[1]}）" for s in FORMAT.sections if s.number in _TABLES}


def _active_width(text: str, fmt: Format = FORMAT) -> int:
    """Cells in the next row of table 二: those of the block of the last row label seen."""
    k = key(text)
    best, width = -1, 1
    for blk in fmt.active_blocks:
        for row in blk.rows:
            for lab in (row.label,) + row.aliases:
                p = k.rfind(key(lab))
                if p >= 0 and p + len(key(lab)) > best:
                    best, width = p + len(key(lab)), len(blk.columns)
    return width


_WIDTH = {"二": _active_width, "三": lambda _t: len(FORMAT.request_columns),
          "四": lambda _t: len(FORMAT.appeal_groups) * len(FORMAT.appeal_outcomes)}


def _flatten_layout_grids(doc: Document) -> None:
    """Tables that hold no report table (page layout) become plain lines."""
    items: list[Line | Grid] = []
    for it in doc.items:
        if isinstance(it, Grid) and classify_grid(it) is None:
            items.extend(grid_lines(it))
        else:
            items.append(it)
    doc.items = items


#: Table 二 labels of the 2019 format (国办公开办函〔2019〕60号) that the 2021
#: format no longer has. Kept here only to recognise old reports; the
#: national format itself is described in nianbao.format.
FORMAT_2019 = gov2019.KEY
LABELS_2019 = gov2019.ACTIVE_LABELS_2019


def table_two_format(lines: list[Line], doc: Document) -> Format:
    """The 2019 format when table 二 itself shows a 2019 column label
    (本年新制作数量 …), else the current one. Figures are then placed by the
    2019 labels, never by position into 2021 columns."""
    text = key("".join(i.text for i in lines)
               + "".join(g.text() for g in doc.items if isinstance(g, Grid) and classify_grid(g) == "二"))
    if any(key(lab) in text for lab in LABELS_2019[:3]):
        return gov2019.GOV_2019
    return FORMAT


def format_2019_labels(active: list[Seg], doc: Document) -> list[str]:
    """The 2019-format labels a source shows: in table 二, or two of them anywhere."""
    table = key("".join(s.text for s in active if not s.is_values))
    found = [lab for lab in LABELS_2019 if key(lab) in table]
    if found:
        return found
    everywhere = key("".join(i.text if isinstance(i, Line) else i.text() for i in doc.items))
    found = [lab for lab in LABELS_2019 if key(lab) in everywhere]
    return found if len(found) >= 2 else []


def assemble(doc: Document, source: str, prior: Report | None = None) -> ImportResult:
    """Place the figures and read the text of ``doc``; ``prior`` (last year's
    report) adds the 现行有效件数 continuity to the identities that decode
    run-together cells."""
    simplify(doc)
    captured = unglue(doc)
    _flatten_layout_grids(doc)
    out = Outcome(prior=prior.values if prior is not None else None)
    for n in doc.notes:
        out.warn(n)
    second = find_second_report(doc)
    if second is not None:      # never import two reports as one: read the first, and say so
        out.doubt(second.reason())
        doc.items = doc.items[:second.index]
    headings = find_headings(doc)
    regs = regions(doc, headings)

    table_lines = {t: unglue_table([i for i in regs.get(t, []) if isinstance(i, Line)], captured)
                   for t in _TABLES}
    out.narrative = lambda: _narrative_text(regs, table_lines)
    # the 2021 format, or the 2019 one when table 二 shows its columns
    report = empty_report(table_two_format(table_lines["二"], doc))
    widths = dict(_WIDTH, 二=lambda text: _active_width(text, report.format))
    segs: dict[str, list[Seg]] = {t: [] for t in _TABLES}
    for t in _TABLES:
        segs[t].extend(line_segments(table_lines[t], widths[t]))
    for n, it in enumerate(doc.items):
        if isinstance(it, Grid):
            t = classify_grid(it)
            if t:
                segs[t].extend(grid_segments(it, t))
    if not any(s.is_values for t in _TABLES for s in segs[t]):
        raise InputError(Problem(
            "import-no-tables", "没有找到年度报告的三张统计表（表二、表三、表四）中的任何数字", file=source,
            expected="政府信息公开工作年度报告全文，含“二、主动公开政府信息情况”等章节及其表格",
            fix="确认选对了文件；从网页或 PDF 复制时请连同表格一起复制"))
    for t in _TABLES:
        if t not in regs and not any(isinstance(i, Grid) and classify_grid(i) == t for i in doc.items):
            out.doubt(f"没有找到第{t}部分的标题，{_NAMES[t]}无法定位")
    report.source = source
    seen = format_2019_labels(segs["二"], doc)
    report.meta[gov2019.META_LABELS_2019] = seen      # [] = looked, none found (rule E5)
    if seen:
        report.meta[gov2019.META_FORMAT_SEEN] = FORMAT_2019
    if report.format.key == FORMAT_2019:
        out.warn(f"表二是 2019 年试行格式（{gov2019.ISSUED_BY}）的栏目（{'、'.join(seen)}），"
                 f"已按 2019 年格式的栏目读入（format: {FORMAT_2019}），没有对应到现行格式（{FORMAT.issued_by}）的栏目；"
                 f"2021 年及以后的年度报告应使用现行表格")
    elif seen:
        out.warn(f"表二使用了 2019 年格式的栏目（{'、'.join(seen)}），不是现行格式（{FORMAT.issued_by}）；"
                 f"2021 年及以后的年度报告应使用现行表格，请按现行栏目核对数字")
    place_active(segs["二"], report.values, out, report.format)
    report.other_combined = place_requests(segs["三"], report.values, out)
    place_appeals(segs["四"], report.values, out)

    # --- narrative -------------------------------------------------------
    if "一" in regs:
        for part, (title, text) in split_overview(narrative_lines(regs["一"])).items():
            report.narrative[part] = NarrativeText(title, text)
    tail = narrative_lines(regs.get("六", []))
    meta_head = narrative_lines(regs.get("", []))
    if "五" in regs:
        report.narrative["problems"] = NarrativeText("", join_lines(narrative_lines(regs["五"])))

    # --- meta ------------------------------------------------------------
    title = M.find_title(meta_head if headings else [i.text for i in doc.lines][:10])
    if not title and doc.headline:      # a portal page: the title only in its headline or <title>
        title = M.title_from_page(doc.headline)
        if title:
            out.warn(f"正文中没有标题行，按网页标题“{doc.headline}”读取报告标题“{title}”，请核对机关名称和年度")
    agency, year = M.agency_and_year(title)
    intro = "".join(meta_head)
    info = M.contacts(intro) or M.contacts("".join(i.text for i in doc.lines))
    full = M.full_agency(agency, info.get("contact_office"))
    if full:
        out.warn(f"标题中的机关名称“{agency}”不是全称，按联系机构“{info['contact_office']}”补全为“{full}”")
        agency = full
    if not title:
        out.warn("没有找到报告标题（“……年政府信息公开工作年度报告”），机关名称和年度需手工填写")
    elif not agency or year is None:
        out.warn(f"无法从标题“{title}”中读出机关名称和年度，需手工填写")
    per = M.period(intro) or M.period("".join(i.text for i in doc.lines[:40]))
    if year is None and per:
        year = int(per[:4])
    report.meta.update({"agency": agency, "year": year, "title": title, "period": per,
                        "headings": [h.official for h in headings]})
    for k in ("contact_office", "address", "postcode", "phone", "fax", "email", "website"):
        if info.get(k):
            report.meta[k] = info[k]
    pub = M.publish_date(intro, tail)
    if pub:
        report.meta["publish_date"] = pub
    report.narrative["other_matters"] = NarrativeText("", join_lines(_drop_signature(tail, agency)))
    # from the same list the checker's rule G1 reads, so import and check agree
    missing = missing_sections(report.meta["headings"])
    if missing:
        out.warn("没有找到这些章节标题：" + "、".join(s.heading for s in missing))
    return ImportResult(report, source, doc.kind, out.warnings, out.uncertain, out.decoded)


def _narrative_text(regs: dict[str, list[Line | Grid]], table_lines: dict[str, list[Line]]) -> str:
    """The report's own words outside its tables (the tie-breaker's figures):
    the sections without tables and the sentences inside the table sections."""
    text = [i.text for t, items in regs.items() if t not in _TABLES for i in items if isinstance(i, Line)]
    text += [i.text for t in _TABLES for i in table_lines[t] if "。" in i.text]
    return "\n".join(text)


def _drop_signature(lines: list[str], agency: str) -> list[str]:
    """The agency name and date under section 六 are not part of its text."""
    ls = [x for x in lines if x.strip()]
    if ls and M.iso_date(ls[-1]) and len(key(ls[-1])) <= 12:
        ls = ls[:-1]
        if ls and agency and (key(ls[-1]) in agency or agency in key(ls[-1])) and len(key(ls[-1])) <= 30:
            ls = ls[:-1]
    return ls
