"""An annotated COPY of the workbook: involved cells coloured, a comment on
each, and a 校验结果 sheet with links. The input file is never touched; the
copy is written to a temporary file in the target folder and moved into
place, so a crash never leaves a half-written workbook.

What the copy contains is decided here, once (``result_rows``,
``marked_cells``, ``mark_fill``, ``mark_comment``, ``own_part``,
``STYLE_XML``, ``column_widths``); two writers lay it out: ``annotate_xml``
edits the workbook's own zip (the default, ~10 ms), openpyxl loads and saves
the whole workbook (``write_annotated_openpyxl``, ~0.1 s; the fallback).
"""
from __future__ import annotations

from ..fsutil import atomic_path

import math
import os
from dataclasses import dataclass
from pathlib import Path

from ..workbook.layout import places
from .finding import STATUS_ZH, Finding
from .result import CheckResult
from .rule import ERROR, INFO, SEVERITY_ZH, WARNING

RESULT_SHEET = "校验结果"
FILLS = {ERROR: "FFC7CE", WARNING: "FFEB9C", INFO: "DDEBF7"}
_RANK = {ERROR: 0, WARNING: 1, INFO: 2}
HEADERS = ("规则", "级别", "位置", "公式", "左值", "右值", "差额", "说明", "状态")
#: Column widths (Excel character units) as (at least, at most): each column
#: is as wide as its longest entry within these bounds; longer text wraps.
WIDTHS = ((6, 8), (6, 8), (10, 24), (12, 30), (6, 14), (6, 14), (6, 10), (30, 48), (8, 20))
#: Points per printed line of wrapped 11 pt text (CJK fonts are taller than Latin).
LINE_PT = 15
HEADER_FILL = "1F4E79"
LINK_COLOUR = "0563C1"
BORDER_COLOUR = "A6A6A6"
AUTHOR = "nianbao 校验"
NOTE_LABEL = "说明"
COMMENT_WIDTH = 420                 # px, our comment boxes


def fill_xml(colour: str) -> str:
    """A solid fill of ``colour`` (RRGGBB) as a SpreadsheetML <fill> (ECMA-376 §18.8.20)."""
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="00{colour}"/>'
            f'<bgColor rgb="00{colour}"/></patternFill></fill>')


def _edge(side: str) -> str:
    return f'<{side} style="thin"><color rgb="00{BORDER_COLOUR}"/></{side}>'


#: The look of the 校验结果 sheet as SpreadsheetML style elements (ECMA-376
#: §18.8), defined once: the zip path appends them to styles.xml as they are,
#: the openpyxl path reads them into style objects (``sheet_styles``).
STYLE_XML = {
    "head_font": '<font><b val="1"/><color rgb="00FFFFFF"/></font>',
    "head_fill": fill_xml(HEADER_FILL),
    "head_align": '<alignment horizontal="center" vertical="center" wrapText="1"/>',
    "body_align": '<alignment vertical="top" wrapText="1"/>',
    "border": "<border>" + "".join(_edge(s) for s in ("left", "right", "top", "bottom")) + "</border>",
    "link_font": f'<font><color rgb="00{LINK_COLOUR}"/><u val="single"/></font>',
}


def solid(colour: str):
    """A solid openpyxl PatternFill of ``colour`` (RRGGBB), from ``fill_xml``."""
    from openpyxl.styles import PatternFill
    from openpyxl.xml.functions import fromstring

    return PatternFill.from_tree(fromstring(fill_xml(colour)))


def sheet_styles() -> dict:
    """``STYLE_XML`` as openpyxl style objects, for the openpyxl path:
    head_font, head_fill, head_align (row 1); body_align, border (every
    cell below); link_font (the 位置 cell with a link)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill
    from openpyxl.xml.functions import fromstring

    kinds = {"font": Font, "alignment": Alignment, "border": Border}
    out = {}
    for key, xml in STYLE_XML.items():
        el = fromstring(xml)
        out[key] = (PatternFill if el.tag == "fill" else kinds[el.tag]).from_tree(el)
    return out


def _comment_text(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        status = f"（{STATUS_ZH[f.status]}：{f.reason}）" if f.reason else ""
        parts.append(f"[{f.rule} {SEVERITY_ZH[f.severity]}]{status} {f.message}")
    return "\n\n".join(parts)


def own_part(text: str) -> str:
    """What remains of a comment of ours once the earlier check's findings
    are dropped: the staff's own words that preceded them ("" if none)."""
    return text.split("\n\n[", 1)[0] if not text.startswith("[") else ""


def marked_cells(result: CheckResult, sheetnames) -> dict[tuple[str, str], list[Finding]]:
    """(sheet, coord) → the findings on that input cell, in the findings' order."""
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        for key in f.keys:
            p = places().get(key)
            if p and p.sheet in sheetnames:
                by_cell.setdefault((p.sheet, p.coord), []).append(f)
    return by_cell


def mark_fill(findings: list[Finding]) -> str | None:
    """The fill colour (RRGGBB) of a cell with ``findings``: the worst one's, none for notes."""
    worst = min(findings, key=lambda f: _RANK[f.severity]).severity
    return FILLS[worst] if worst in (ERROR, WARNING) else None


def mark_comment(findings: list[Finding], existing: tuple[str, str] | None) -> str:
    """The text of our comment on a cell; ``existing`` (text, author) of a
    comment already there that is not ours is kept above it."""
    text = _comment_text(findings)
    if existing is not None and existing[1] != AUTHOR:
        text = f"{existing[0]}\n\n{text}"
    return text[:30000]


def comment_height(text: str) -> int:
    """Height in px of our comment box (width ``COMMENT_WIDTH``)."""
    return min(600, 60 + 18 * (len(text) // 30 + 1))


def _clear_old_marks(wb) -> None:
    """Staff fix their figures in the annotated copy and run again: drop the
    marks of the earlier check (our comments, our fills) so a clean run does
    not hand back red cells. A comment of the staff's own is kept."""
    from copy import copy

    from openpyxl.comments import Comment

    from ..workbook.styles import INPUT_FILL

    for p in places().values():
        if p.sheet not in wb.sheetnames:
            continue
        cell = wb[p.sheet][p.coord]
        c = getattr(cell, "comment", None)
        if c is None or c.author != AUTHOR:
            continue
        own = own_part(c.text)
        cell.comment = Comment(own, "") if own.strip() else None
        cell.fill = copy(INPUT_FILL)


def _mark_cells(wb, result: CheckResult) -> None:
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment

    for (sheet, coord), findings in marked_cells(result, wb.sheetnames).items():
        cell = wb[sheet][coord]
        if isinstance(cell, MergedCell):
            continue
        colour = mark_fill(findings)
        if colour:
            cell.fill = solid(colour)
        c = cell.comment
        text = mark_comment(findings, (c.text, c.author) if c is not None else None)
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = COMMENT_WIDTH, comment_height(text)
        cell.comment = comment


def text_width(value) -> float:
    """Display width in Excel character units (one unit: a Latin digit of
    the default 11 pt font): a CJK or full-width character counts 1.8 (its
    printed width in LibreOffice's CJK fallback), others 1; the longest line
    of a multi-line value counts."""
    from unicodedata import east_asian_width

    lines = str("" if value is None else value).split("\n")
    return max(sum(1.8 if east_asian_width(ch) in "WF" else 1 for ch in ln) for ln in lines)


def wrapped_lines(value, width: float) -> int:
    """How many printed lines ``value`` takes in a column ``width`` wide.
    Lines break at spaces and before closing punctuation, so a printed line
    holds less than the full width: count 85 % of it (never too few lines)."""
    usable = max((width - 1.5) * 0.85, 1)          # cell padding, word breaks
    return sum(max(1, math.ceil(text_width(ln) / usable))
               for ln in str("" if value is None else value).split("\n"))


def column_widths(rows: list[tuple]) -> list[float]:
    """Each column as wide as its longest entry, within ``WIDTHS``."""
    out = []
    for i, (least, most) in enumerate(WIDTHS):
        longest = max([text_width(r[i]) for r in rows if i < len(r)] + [text_width(HEADERS[i])])
        out.append(float(min(most, max(least, math.ceil(longest) + 2))))
    return out


def _fit_rows(ws, widths: list[float]) -> None:
    """Every row tall enough for its wrapped text, so nothing is cut or
    printed over the next row (Excel and LibreOffice do not grow rows that
    openpyxl wrote)."""
    st = sheet_styles()
    for row in ws.iter_rows(min_row=2):
        lines = 1
        for cell, width in zip(row, widths):
            cell.alignment = st["body_align"]
            cell.border = st["border"]
            lines = max(lines, wrapped_lines(cell.value, width))
        ws.row_dimensions[row[0].row].height = LINE_PT * lines + 4


def _header(ws) -> None:
    st = sheet_styles()
    for c in ws[1]:
        c.font, c.fill, c.alignment = st["head_font"], st["head_fill"], st["head_align"]
    ws.row_dimensions[1].height = LINE_PT + 6
    ws.print_title_rows = "1:1"             # the header on every printed page


def link_text(f: Finding) -> str:
    """What the clickable 位置 cell shows: LibreOffice prints a link on one
    line (no wrapping, even at a line break), so a finding on several cells
    shows its first cell and how many there are; the 说明 names them all."""
    cells = f.cells or []
    return f"{cells[0]} 等 {len(cells)} 格" if len(cells) > 1 else f.location


def _explanation(f: Finding) -> str:
    """The message, plus the cells if the message does not name each one."""
    if len(f.cells or []) > 1 and not all(c in f.message for c in f.cells):
        return f"{f.message}（涉及单元格：{'、'.join(f.cells)}）"
    return f.message


@dataclass
class ResultRow:
    """One row of the 校验结果 sheet: its nine values, the severity that
    colours its 级别 cell (None: not coloured) and the input cell its 位置
    links to (None: no link)."""
    values: tuple
    severity: str | None = None
    link: object | None = None        # workbook.layout.Place


def result_rows(result: CheckResult, sheetnames) -> list[ResultRow]:
    """The rows under the header, as both writers lay them out: the findings,
    or "未发现问题。", then each rule's reminders ("说明")."""
    rows = []
    for f in result.findings:
        status = STATUS_ZH[f.status] + (f"：{f.reason}" if f.reason else "")
        if f.notes:
            status += "；" + "；".join(f.notes)
        first = next((places()[k] for k in f.keys if k in places() and places()[k].sheet in sheetnames), None)
        rows.append(ResultRow((f.rule, SEVERITY_ZH[f.severity], link_text(f), f.formula, f.left, f.right,
                               "" if f.difference is None else f.difference, _explanation(f), status),
                              f.severity, first))
    if not result.findings:
        rows.append(ResultRow(("", "", "", "", "", "", "", "未发现问题。", "")))
    for run in result.runs:              # reminders and "not checked" notes of rules that ran
        for note in run.notes:
            rows.append(ResultRow((run.rule, NOTE_LABEL, "", "", "", "", "", note, "")))
    return rows


def _result_sheet(wb, result: CheckResult) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    ws = wb.create_sheet(RESULT_SHEET)
    ws.append(HEADERS)
    for r in result_rows(result, wb.sheetnames):
        ws.append(r.values)
        row = ws.max_row
        if r.link:
            link = ws.cell(row, 3)
            # an internal link (location), which Excel and LibreOffice follow without a security prompt
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{r.link.sheet}'!{r.link.coord}",
                                       display=r.values[2])
            link.font = sheet_styles()["link_font"]
        if r.severity:
            ws.cell(row, 2).fill = solid(FILLS[r.severity])
    widths = column_widths([tuple(c.value for c in row) for row in ws.iter_rows(min_row=2)])
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    _fit_rows(ws, widths)
    _header(ws)
    ws.freeze_panes = "A2"
    # Printed (or converted to PDF) one page wide, and shown first when the copy is opened.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.move_sheet(ws, offset=-wb.index(ws))
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False


def write_annotated(workbook_path: str | os.PathLike, result: CheckResult, out_path: str | os.PathLike) -> Path:
    """Write the annotated copy to ``out_path`` and return it; refuses to overwrite the input.

    Built from the workbook's own zip (``annotate_xml``: every part we do not
    change is copied byte for byte); a package that path does not handle
    (say, Strict OOXML) goes through openpyxl as before. Raises ValueError
    when ``out_path`` is the input."""
    from .annotate_xml import write_package
    from .xlsxparts import Unsupported

    src, out = _paths(workbook_path, out_path)
    with atomic_path(out) as tmp:
        try:
            write_package(src, result, tmp)
        except Unsupported:
            _write_openpyxl(src, result, tmp)
    return out


def write_annotated_openpyxl(workbook_path: str | os.PathLike, result: CheckResult,
                             out_path: str | os.PathLike) -> Path:
    """The same copy through openpyxl (load, mark, add the sheet, save): the
    fallback of ``write_annotated`` and the reference its tests and
    benchmarks/bench_checks_xlsx.py compare with."""
    src, out = _paths(workbook_path, out_path)
    with atomic_path(out) as tmp:
        _write_openpyxl(src, result, tmp)
    return out


def _paths(workbook_path, out_path) -> tuple[Path, Path]:
    src, out = Path(workbook_path), Path(out_path)
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise ValueError("批注副本不能覆盖原工作簿，请另选输出文件名")
    return src, out


def _write_openpyxl(src: Path, result: CheckResult, tmp: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(src)
    _clear_old_marks(wb)
    _mark_cells(wb, result)
    _result_sheet(wb, result)
    wb.save(tmp)
