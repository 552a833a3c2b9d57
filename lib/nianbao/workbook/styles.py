"""The look of the standard workbook: labels grey, inputs pale yellow and
unlocked, checks in small italics. One place, so every sheet agrees."""
from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

FONT_NAME = "宋体"
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
HEAD_FONT = Font(name=FONT_NAME, size=10.5, bold=True)
LABEL_FONT = Font(name=FONT_NAME, size=10.5)
INPUT_FONT = Font(name=FONT_NAME, size=11, color="1F3864")
HELP_FONT = Font(name=FONT_NAME, size=9, color="595959")
CHECK_FONT = Font(name=FONT_NAME, size=9, italic=True, color="595959")

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)


def label(cell, head: bool = False, align: Alignment = CENTER) -> None:
    cell.font = HEAD_FONT if head else LABEL_FONT
    cell.fill = HEAD_FILL if head else LABEL_FILL
    cell.alignment = align
    cell.protection = LOCKED     # grey and blue cells are labels: never typed into
    cell.border = BORDER


def input_cell(cell, align: Alignment = CENTER) -> None:
    cell.font = INPUT_FONT
    cell.fill = INPUT_FILL
    cell.alignment = align
    cell.border = BORDER
    cell.protection = UNLOCKED


def helptext(cell) -> None:
    cell.font = HELP_FONT
    cell.alignment = LEFT


def check(cell) -> None:
    cell.font = CHECK_FONT
    cell.alignment = CENTER
