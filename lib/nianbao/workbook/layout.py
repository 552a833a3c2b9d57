"""Where everything sits in the standard workbook, derived from the format.

Sheet names, the official table grids and one defined name per input cell are
computed here from ``nianbao.format``; the template writer, the reader and the
annotator ask this module, so no other code knows a cell address.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..format import FORMAT, OTHER_COMBINED, Format
from ..format.fields import CUSTOM_INDICATOR_SLOTS, META_FIELDS, NARRATIVE_PARTS, STANDARD_INDICATORS

TEMPLATE_VERSION = "1"

SHEET_GUIDE = "填报说明"
SHEET_META = "基本信息"
SHEET_ACTIVE = "主动公开"
SHEET_REQUESTS = "依申请公开"
SHEET_APPEALS = "复议诉讼"
SHEET_INDICATORS = "工作指标"
SHEET_NARRATIVE = "文字材料"
SHEET_ACCEPT = "校验说明"
SHEET_VERSION = "_nianbao"

SHEETS = (SHEET_GUIDE, SHEET_META, SHEET_ACTIVE, SHEET_REQUESTS, SHEET_APPEALS,
          SHEET_INDICATORS, SHEET_NARRATIVE, SHEET_ACCEPT)
TABLE_SHEETS = {"active": SHEET_ACTIVE, "requests": SHEET_REQUESTS, "appeals": SHEET_APPEALS}

# Table 三: three label columns (A–C), seven data columns from D, three header rows.
REQ_FIRST_ROW = 4
REQ_FIRST_COL = 4
# Table 四: two/three header rows, the fifteen cells on row 4.
APPEAL_ROW = 4
# Narrative / indicators / meta: header on row 2, data from row 3.
FIRST_DATA_ROW = 3
CUSTOM_FIRST_ROW = FIRST_DATA_ROW + len(STANDARD_INDICATORS) + 2
# 校验说明: header on row 1, one accepted warning per row below.
ACCEPT_ROWS = range(2, 52)


def get_column_letter(col: int) -> str:
    """1 -> "A", 27 -> "AA" (without importing openpyxl on the read path)."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass(frozen=True)
class Place:
    sheet: str
    row: int
    col: int
    name: str                    # workbook defined name

    @property
    def coord(self) -> str:
        return f"{get_column_letter(self.col)}{self.row}"

    @property
    def ref(self) -> str:
        """"依申请公开!D4" style reference, as shown to staff."""
        return f"{self.sheet}!{self.coord}"


def defined_name(key: str) -> str:
    return key.replace(".", "_")


def _active_rows(fmt: Format) -> dict[str, int]:
    """Row of each table-二 row: block title, header, then its rows."""
    rows, r = {}, 1
    for block in fmt.active_blocks:
        r += 2                    # item title row, header row
        for row in block.rows:
            rows[row.key] = r
            r += 1
    return rows


def active_grid(fmt: Format = FORMAT) -> list[tuple[str, int]]:
    """(kind, row) for every row of table 二: "item", "header" or a row key."""
    out, r = [], 1
    for i, block in enumerate(fmt.active_blocks):
        out.append((f"item:{i}", r))
        out.append((f"header:{i}", r + 1))
        r += 2
        for row in block.rows:
            out.append((row.key, r))
            r += 1
    return out


@lru_cache(maxsize=None)
def places(fmt: Format = FORMAT) -> dict[str, Place]:
    """Every input cell of the workbook by its key (table cells, meta, texts …)."""
    out: dict[str, Place] = {}
    arow = _active_rows(fmt)
    for block in fmt.active_blocks:
        for row in block.rows:
            for j, col in enumerate(block.columns):
                key = f"active.{row.key}" if col.key == "value" else f"active.{row.key}.{col.key}"
                out[key] = Place(SHEET_ACTIVE, arow[row.key], 2 + j, defined_name(key))
    for i, row in enumerate(fmt.request_rows):
        for j, col in enumerate(fmt.request_columns):
            key = f"requests.{row.key}.{col.key}"
            out[key] = Place(SHEET_REQUESTS, REQ_FIRST_ROW + i, REQ_FIRST_COL + j, defined_name(key))
    for j, col in enumerate(fmt.request_columns):
        key = f"{OTHER_COMBINED}.{col.key}"
        out[key] = Place(SHEET_REQUESTS, other_combined_row(fmt), REQ_FIRST_COL + j,
                         "requests_other_combined_" + col.key)
    j = 1
    for grp in fmt.appeal_groups:
        for out_col in fmt.appeal_outcomes:
            key = f"appeals.{grp.key}.{out_col.key}"
            out[key] = Place(SHEET_APPEALS, APPEAL_ROW, j, defined_name(key))
            j += 1
    for i, f in enumerate(META_FIELDS):
        out[f"meta.{f.key}"] = Place(SHEET_META, FIRST_DATA_ROW + i, 2, f"meta_{f.key}")
    for i, ind in enumerate(STANDARD_INDICATORS):
        r = FIRST_DATA_ROW + i
        out[f"indicators.{ind.key}.value"] = Place(SHEET_INDICATORS, r, 3, f"ind_{ind.key}")
        out[f"indicators.{ind.key}.prior"] = Place(SHEET_INDICATORS, r, 4, f"ind_{ind.key}_prior")
    for k in range(CUSTOM_INDICATOR_SLOTS):
        r = CUSTOM_FIRST_ROW + k
        for c, part in enumerate(("label", "unit", "value", "prior"), start=1):
            out[f"indicators.custom{k + 1}.{part}"] = Place(
                SHEET_INDICATORS, r, c, f"ind_custom{k + 1}_{part}")
    for i, part in enumerate(NARRATIVE_PARTS):
        r = FIRST_DATA_ROW + i
        out[f"narrative.{part.key}.title"] = Place(SHEET_NARRATIVE, r, 2, f"text_{part.key}_title")
        out[f"narrative.{part.key}.text"] = Place(SHEET_NARRATIVE, r, 3, f"text_{part.key}")
    return out


def other_combined_row(fmt: Format = FORMAT) -> int:
    """A row below table 三 for reports that print （六）其他处理 as one row."""
    return REQ_FIRST_ROW + len(fmt.request_rows) + 6


def place(key: str) -> Place:
    return places()[key]


def ref(key: str) -> str:
    """The staff-facing reference of a figure, e.g. "依申请公开!J4"."""
    return places()[key].ref
