"""A small, strict .xlsx cell reader working on the OOXML parts directly.

Why not openpyxl for reading: we need, in one pass, both a formula cell's
cached value and the fact that it *is* a formula without one (openpyxl gives
one or the other per load), and ``nianbao check`` must cost less than an
openpyxl load. We read only cell values, sheet names and defined names.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


@dataclass(frozen=True)
class RawCell:
    value: object                # str | int | float | bool | None (cached value for formulas)
    formula: str | None = None   # the formula text, if the cell holds one
    error: str | None = None     # an Excel error value such as #REF!
    style: int = 0               # the cell's style index (for date formats)


@dataclass
class XlsxData:
    sheets: dict[str, dict[str, RawCell]]      # sheet name -> "B3" -> cell
    sheet_state: dict[str, str]                # sheet name -> visible/hidden
    names: dict[str, tuple[str, str]]          # defined name -> (sheet, "B3")
    date_styles: frozenset[int]                # style indexes that format dates


def _parse_name_ref(text: str) -> tuple[str, str] | None:
    """"'基本信息'!$B$3" -> ("基本信息", "B3"); ranges and constants -> None."""
    if "!" not in text:
        return None
    sheet, ref = text.rsplit("!", 1)
    if ":" in ref or "," in sheet:
        return None
    sheet = sheet.strip()
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    m = _REF.match(ref)
    return (sheet, f"{m.group(1)}{m.group(2)}") if m else None


def _text(el: ET.Element | None) -> str:
    """Concatenate the <t> runs of a shared or inline string."""
    if el is None:
        return ""
    t = el.find(f"{NS}t")
    if t is not None and el.find(f"{NS}r") is None:
        return t.text or ""
    return "".join(r.text or "" for r in el.iter(f"{NS}t"))


_BUILTIN_DATE_FORMATS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))


def _date_styles(zf: zipfile.ZipFile, names: set[str]) -> frozenset[int]:
    if "xl/styles.xml" not in names:
        return frozenset()
    root = ET.fromstring(zf.read("xl/styles.xml"))
    custom = {}
    fmts = root.find(f"{NS}numFmts")
    if fmts is not None:
        for f in fmts:
            code = (f.get("formatCode") or "").lower()
            code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", code)
            custom[int(f.get("numFmtId", "0"))] = any(ch in code for ch in "ymd")
    xfs = root.find(f"{NS}cellXfs")
    out = set()
    if xfs is not None:
        for i, xf in enumerate(xfs):
            fid = int(xf.get("numFmtId", "0"))
            if fid in _BUILTIN_DATE_FORMATS or custom.get(fid):
                out.add(i)
    return frozenset(out)


def read_xlsx(zf: zipfile.ZipFile) -> XlsxData:
    """Read every sheet's cells, the sheet states and the defined names."""
    names = set(zf.namelist())
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for r in rels.iter(f"{PKG_REL}Relationship"):
        t = r.get("Target", "")
        t = t.lstrip("/") if t.startswith("/") else "xl/" + t
        targets[r.get("Id")] = t
    shared: list[str] = []
    if "xl/sharedStrings.xml" in names:
        sroot = ET.fromstring(zf.read("xl/sharedStrings.xml"))
        shared = [_text(si) for si in sroot.iter(f"{NS}si")]
    sheets: dict[str, dict[str, RawCell]] = {}
    states: dict[str, str] = {}
    for sh in wb.iter(f"{NS}sheet"):
        name = sh.get("name", "")
        states[name] = sh.get("state", "visible")
        path = targets.get(sh.get(f"{REL_NS}id"), "")
        sheets[name] = _read_sheet(zf.read(path), shared) if path in names else {}
    defined: dict[str, tuple[str, str]] = {}
    dn = wb.find(f"{NS}definedNames")
    if dn is not None:
        for d in dn:
            if d.get("localSheetId") is not None:
                continue
            parsed = _parse_name_ref(d.text or "")
            if parsed:
                defined[d.get("name", "")] = parsed
    return XlsxData(sheets, states, defined, _date_styles(zf, names))


def _read_sheet(xml: bytes, shared: list[str]) -> dict[str, RawCell]:
    root = ET.fromstring(xml)
    data = root.find(f"{NS}sheetData")
    cells: dict[str, RawCell] = {}
    if data is None:
        return cells
    for row in data:
        for c in row:
            ref = c.get("r")
            if not ref:
                continue
            t = c.get("t", "n")
            f = c.find(f"{NS}f")
            v = c.find(f"{NS}v")
            formula = None
            if f is not None:
                formula = "=" + (f.text or "")
            style = int(c.get("s", "0"))
            if t == "inlineStr":
                cells[ref] = RawCell(_text(c.find(f"{NS}is")), formula, style=style)
                continue
            if v is None or v.text is None:
                if formula is not None or c.get("s") is not None:
                    cells[ref] = RawCell(None, formula, style=style)
                continue
            raw = v.text
            if t == "s":
                value: object = shared[int(raw)]
            elif t in ("str",):
                value = raw
            elif t == "b":
                value = raw == "1"
            elif t == "e":
                cells[ref] = RawCell(None, formula, error=raw, style=style)
                continue
            else:
                num = float(raw)
                value = int(num) if num.is_integer() and "E" not in raw.upper() and "." not in raw else num
            cells[ref] = RawCell(value, formula, style=style)
    return cells
