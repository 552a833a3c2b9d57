"""An annotated COPY of the workbook: involved cells coloured, a comment on
each, and a 校验结果 sheet with links. The input file is never touched; the
copy is written to a temporary file in the target folder and moved into
place, so a crash never leaves a half-written workbook.
"""
from __future__ import annotations

from ..fsutil import atomic_path

import math
import os
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
AUTHOR = "nianbao 校验"
NOTE_LABEL = "说明"


def _comment_text(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        status = f"（{STATUS_ZH[f.status]}：{f.reason}）" if f.reason else ""
        parts.append(f"[{f.rule} {SEVERITY_ZH[f.severity]}]{status} {f.message}")
    return "\n\n".join(parts)


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
        own = c.text.split("\n\n[", 1)[0] if not c.text.startswith("[") else ""
        cell.comment = Comment(own, "") if own.strip() else None
        cell.fill = copy(INPUT_FILL)


def _mark_cells(wb, result: CheckResult) -> None:
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        for key in f.keys:
            p = places().get(key)
            if p and p.sheet in wb.sheetnames:
                by_cell.setdefault((p.sheet, p.coord), []).append(f)
    for (sheet, coord), findings in by_cell.items():
        cell = wb[sheet][coord]
        if isinstance(cell, MergedCell):
            continue
        worst = min(findings, key=lambda f: _RANK[f.severity]).severity
        if worst in (ERROR, WARNING):
            colour = FILLS[worst]
            cell.fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
        text = _comment_text(findings)
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text = f"{cell.comment.text}\n\n{text}"
        comment = Comment(text[:30000], AUTHOR)
        comment.width, comment.height = 420, min(600, 60 + 18 * (len(text) // 30 + 1))
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
    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin", color="A6A6A6")
    for row in ws.iter_rows(min_row=2):
        lines = 1
        for cell, width in zip(row, widths):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            lines = max(lines, wrapped_lines(cell.value, width))
        ws.row_dimensions[row[0].row].height = LINE_PT * lines + 4


def _header(ws) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for c in ws[1]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill(start_color=HEADER_FILL, end_color=HEADER_FILL, fill_type="solid")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
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


def _result_sheet(wb, result: CheckResult) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    ws = wb.create_sheet(RESULT_SHEET)
    ws.append(HEADERS)
    for f in result.findings:
        status = STATUS_ZH[f.status] + (f"：{f.reason}" if f.reason else "")
        if f.notes:
            status += "；" + "；".join(f.notes)
        ws.append((f.rule, SEVERITY_ZH[f.severity], link_text(f), f.formula, f.left, f.right,
                   "" if f.difference is None else f.difference, _explanation(f), status))
        row = ws.max_row
        first = next((places()[k] for k in f.keys if k in places() and places()[k].sheet in wb.sheetnames),
                     None)
        if first:
            link = ws.cell(row, 3)
            # an internal link (location), which Excel and LibreOffice follow without a security prompt
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{first.sheet}'!{first.coord}",
                                       display=link_text(f))
            link.font = Font(color="0563C1", underline="single")
        colour = FILLS[f.severity]
        ws.cell(row, 2).fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
    if not result.findings:
        ws.append(("", "", "", "", "", "", "", "未发现问题。", ""))
    for run in result.runs:              # reminders and "not checked" notes of rules that ran
        for note in run.notes:
            ws.append((run.rule, NOTE_LABEL, "", "", "", "", "", note, ""))
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
    """Write the annotated copy to ``out_path`` and return it; refuses to overwrite the input."""
    from openpyxl import load_workbook

    src, out = Path(workbook_path), Path(out_path)
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise ValueError("批注副本不能覆盖原工作簿，请另选输出文件名")
    wb = load_workbook(src)
    _clear_old_marks(wb)
    _mark_cells(wb, result)
    _result_sheet(wb, result)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out
