"""Workbook -> Report. Strict: every input cell is found by its defined name,
checked against the labels around it, and read from its value (or a formula's
cached value). Typed forms staff really use are normalised with a note; what
cannot be read is collected, all of it, into one InputError.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.etree.ElementTree import ParseError

from ..errors import InputError, Problem
from ..format import FORMAT, OTHER_COMBINED
from ..format.fields import CUSTOM_INDICATOR_SLOTS, META_FIELDS, NARRATIVE_PARTS, STANDARD_INDICATORS
from ..model import IndicatorValue, NarrativeText, Note, Report, empty_report
from ..values import contact_problem, expected_kind, parse_cell
from . import layout
from .layout import get_column_letter
from .guard import open_xlsx
from .xlsx import RawCell, XlsxData, read_xlsx

_FIX_TEMPLATE = "用 nianbao new 生成一个新的标准工作簿，再把数据复制过去"
_SPACES = re.compile(r"\s+")


def _norm(label: object) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(label or "")))


class _Reader:
    def __init__(self, path: Path, data: XlsxData):
        self.path = path
        self.file = str(path)
        self.data = data
        self.problems: list[Problem] = []
        self.notes: list[Note] = []

    # --- helpers ----------------------------------------------------------
    def problem(self, code: str, message: str, sheet: str | None = None, cell: str | None = None,
                expected: str | None = None, fix: str | None = None) -> None:
        self.problems.append(Problem(code, message, self.file, sheet, cell, expected, fix))

    def locate(self, key: str) -> tuple[str, str] | None:
        place = layout.place(key)
        found = self.data.names.get(place.name)
        if found is None:
            self.problem("name-missing", f"缺少定义名称“{place.name}”，工作簿可能来自其他模板或被改动过",
                         place.sheet, place.coord, "nianbao 标准模板", _FIX_TEMPLATE)
            return None
        if found[0] != place.sheet:
            self.problem("name-moved", f"“{place.name}”指向了工作表“{found[0]}”，应在“{place.sheet}”",
                         found[0], found[1], f"{place.sheet}!{place.coord}", _FIX_TEMPLATE)
            return None
        return found

    def raw(self, key: str) -> tuple[str, str, RawCell | None] | None:
        loc = self.locate(key)
        if loc is None:
            return None
        sheet, coord = loc
        cell = self.data.sheets.get(sheet, {}).get(coord)
        if cell is not None and cell.error:
            self.problem("cell-excel-error", f"单元格显示 Excel 错误值 {cell.error}", sheet, coord,
                         "一个数或空白", "检查该单元格的公式，或直接填写数字")
            return sheet, coord, None
        if cell is not None and cell.formula and cell.value is None:
            self.problem("formula-no-cache", f"单元格是公式“{cell.formula}”，但没有计算结果", sheet, coord,
                         "数字（或有计算结果的公式）",
                         "在 Excel 或 WPS 中打开该工作簿并保存一次（让公式算出结果），或直接填写数字")
            return sheet, coord, None
        return sheet, coord, cell

    # --- structure --------------------------------------------------------
    def check_structure(self) -> None:
        present = set(self.data.sheets)
        version = self.data.sheets.get(layout.SHEET_VERSION, {})
        marker = version.get("A1")
        if marker is None or marker.value != "nianbao-template":
            expected = [s for s in layout.SHEETS if s != layout.SHEET_ACCEPT]
            missing = [s for s in expected if s not in present]
            if len(missing) >= len(expected) - 1:
                raise InputError(Problem(
                    "not-nianbao-template", "这个工作簿不是 nianbao 标准模板（找不到“依申请公开”等工作表）",
                    self.file, expected="由 templates/report.xlsx 或 nianbao new 生成的工作簿",
                    fix=_FIX_TEMPLATE + "；要从已发布的报告导入，用 nianbao import"))
        else:
            fmt = version.get("B2")
            ver = version.get("B1")
            if fmt is None or fmt.value != FORMAT.key:
                raise InputError(Problem(
                    "template-format", f"工作簿对应的报告格式是“{fmt.value if fmt else '未知'}”，本程序支持“{FORMAT.key}”",
                    self.file, layout.SHEET_VERSION, "B2", FORMAT.key, _FIX_TEMPLATE))
            if ver is None or str(ver.value) != layout.TEMPLATE_VERSION:
                raise InputError(Problem(
                    "template-version", f"工作簿模板版本为“{ver.value if ver else '未知'}”，本程序需要版本 {layout.TEMPLATE_VERSION}",
                    self.file, layout.SHEET_VERSION, "B1", f"版本 {layout.TEMPLATE_VERSION}", _FIX_TEMPLATE))
        unknown = sorted(present - set(layout.SHEETS) - {layout.SHEET_VERSION})
        for sheet in layout.SHEETS:
            if sheet == layout.SHEET_ACCEPT or sheet in present:
                continue
            hint = f"工作簿里有未知的工作表：{'、'.join(unknown)}，是否被改了名？" if unknown else ""
            self.problem("sheet-missing", f"缺少工作表“{sheet}”。{hint}", sheet, None,
                         f"名为“{sheet}”的工作表", f"把工作表名称改回“{sheet}”，或" + _FIX_TEMPLATE)
        if self.problems:
            raise InputError(self.problems)
        self.check_labels()

    def check_labels(self) -> None:
        """A table shifted under its names (rows inserted, pasted one row off)
        would put figures under the wrong labels: compare the labels."""
        cells = self.data.sheets
        for row in FORMAT.request_rows:
            loc = self.locate(f"requests.{row.key}.natural_person")
            if loc is None:
                continue
            sheet, coord = loc
            r = int(re.sub(r"\D", "", coord))
            idx = max(i for i, part in enumerate(row.labels) if part) if any(row.labels) else 0
            label_cell = f"{get_column_letter(1 + idx)}{r}"
            found = cells.get(sheet, {}).get(label_cell)
            expected = row.labels[idx]
            if _norm(found.value if found else "") != _norm(expected):
                self.problem("table-moved", f"表格位置被移动：第 {r} 行的标签应为“{expected}”，"
                             f"实际为“{found.value if found and found.value else '（空）'}”",
                             sheet, label_cell, expected, "撤销插入或删除的行，使数字与标签对齐；或" + _FIX_TEMPLATE)
                break
        for block in FORMAT.active_blocks:
            for row in block.rows:
                key = f"active.{row.key}" if block.columns[0].key == "value" else f"active.{row.key}.{block.columns[0].key}"
                loc = self.locate(key)
                if loc is None:
                    continue
                sheet, coord = loc
                r = int(re.sub(r"\D", "", coord))
                found = cells.get(sheet, {}).get(f"A{r}")
                if _norm(found.value if found else "") not in {_norm(row.label), *map(_norm, row.aliases)}:
                    self.problem("table-moved", f"表格位置被移动：第 {r} 行的标签应为“{row.label}”",
                                 sheet, f"A{r}", row.label, "撤销插入或删除的行；或" + _FIX_TEMPLATE)
                    break
        if self.problems:
            raise InputError(self.problems)

    # --- content ----------------------------------------------------------
    def read_figures(self, report: Report) -> None:
        for cell in FORMAT.cells:
            report.values[cell.key] = self.read_number(cell.key, money=not cell.is_count,
                                                       what=cell.label, unit=cell.unit)
        combined = {c.key: self.read_number(f"{OTHER_COMBINED}.{c.key}", False, "（六）其他处理（合并行）")
                    for c in FORMAT.request_columns}
        if any(v is not None for v in combined.values()):
            report.other_combined = combined

    def read_number(self, key: str, money: bool, what: str, unit: str | None = None):
        got = self.raw(key)
        if got is None:
            return None
        sheet, coord, cell = got
        if cell is None:
            return None
        if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) \
                and cell.style in self.data.date_styles:
            shown = self.read_date(cell.value, cell, sheet, coord, what, quiet=True)
            self.problem("cell-date", f"“{what}”：单元格是日期格式（显示为 {shown or '一个日期'}），"
                         f"不是{'件数' if not money else '数'}", sheet, coord, expected_kind(money, unit),
                         "把单元格格式改为“常规”或“数值”后重新填写数字（Excel/WPS 可能把“1-5”“3/4”自动变成日期）")
            return None
        parsed = parse_cell(cell.value, money=money, unit=unit)
        if parsed.error:
            if money:
                fix = f"只填写数字（单位{unit or '万元'}{'，如 1.5' if unit in (None, '万元') else ''}）；不适用可填“/”"
            else:
                fix = "只填写整数件数（没有就填 0）；不适用可填“/”；说明性文字请写在“文字材料”中"
            self.problem("cell-value", f"“{what}”：{parsed.error}", sheet, coord, parsed.expected, fix)
            return None
        if parsed.note:
            self.notes.append(Note(f"“{what}”：{parsed.note}（原文“{cell.value}”）", sheet, coord))
        return parsed.value

    def read_text(self, key: str) -> str:
        got = self.raw(key)
        if got is None or got[2] is None or got[2].value is None:
            return ""
        value = got[2].value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def read_meta(self, report: Report) -> None:
        """基本信息: each field read, checked and converted; one message per
        cell (a value there but wrong is not also "missing")."""
        meta: dict = {}
        for f in META_FIELDS:
            key = f"meta.{f.key}"
            got = self.raw(key)
            cell = got[2] if got else None
            value = cell.value if cell else None
            sheet, coord = (got[0], got[1]) if got else (None, None)
            if isinstance(value, str):
                value = value.strip() or None
            blank = value is None
            if f.kind == "int" and value is not None:
                parsed = parse_cell(value)
                if parsed.error or not (2019 <= (parsed.value or 0) <= 2100):
                    self.problem("meta-year", f"“{f.label}”应为四位年份，实际为“{value}”", sheet, coord,
                                 "如 2024", "填写报告所属的年度（统计期间的年份）")
                    value = None
                else:
                    value = parsed.value
            elif f.kind == "date" and value is not None:
                value = self.read_date(value, cell, sheet, coord, f.label)
            elif f.kind == "monthday" and value is not None:
                value = self.read_monthday(value, cell, sheet, coord, f.label)
            elif f.kind == "emails":
                if re.search(r"[\r\n\u2028\u2029\x0b\x0c]", str(value or "")):   # never split a header over lines
                    self.problem("meta-emails-linebreak", f"“{f.label}”中有换行", sheet, coord,
                                 "一个或几个邮箱地址，写在一行，用分号隔开",
                                 "删去换行（Alt+Enter 产生的），多个地址用分号隔开，如 a@example.gov.cn；b@example.gov.cn")
                value = [a for a in re.split(r"[;；,，\s]+", str(value or "")) if a]
            elif f.kind == "choice" and value is not None and value not in f.choices:
                self.problem("meta-choice", f"“{f.label}”只能是 {'、'.join(f.choices)} 之一，实际为“{value}”",
                             sheet, coord, " / ".join(f.choices), "从下拉列表中选择")
            elif value is not None and not isinstance(value, str):
                value = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            problem = contact_problem(f.key, value) if f.kind == "digits" else None
            if problem:
                self.notes.append(Note(f"“{f.label}”：{problem}", sheet, coord))
            if f.required and blank:          # a value that is there but wrong was said above
                self.problem("meta-required", f"请填写“{f.label}”", sheet, coord, f.help,
                             f"在“{layout.SHEET_META}”表中填写{f.label}")
            meta[f.key] = value
        report.meta = meta

    def read_date(self, value, cell: RawCell | None, sheet, coord, label, quiet: bool = False) -> str | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if cell is not None and cell.style in self.data.date_styles or 30000 < value < 80000:
                try:
                    return (date(1899, 12, 30) + timedelta(days=int(value))).isoformat()
                except (OverflowError, ValueError):
                    pass
        text = unicodedata.normalize("NFKC", str(value)).strip()
        m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                pass
        if not quiet:
            self.problem("meta-date", f"“{label}”不是有效日期：“{value}”", sheet, coord, "如 2025-01-20",
                         "按“年-月-日”填写日期")
        return None

    def read_monthday(self, value, cell: RawCell | None, sheet, coord, label) -> list[int] | None:
        """"1月28日", "01-28", or a date cell -> [1, 28]."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            iso = self.read_date(value, cell, sheet, coord, label)
            return [int(iso[5:7]), int(iso[8:10])] if iso else None
        text = unicodedata.normalize("NFKC", str(value)).strip()
        m = re.fullmatch(r"(?:\d{4}\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
        if m:
            try:
                date(2024, int(m.group(1)), int(m.group(2)))
                return [int(m.group(1)), int(m.group(2))]
            except ValueError:
                pass
        self.problem("meta-monthday", f"“{label}”不是有效的月日：“{value}”", sheet, coord, "如 1月28日",
                     "按“几月几日”填写，或留空")
        return None

    def read_indicators(self, report: Report) -> None:
        out = []
        for ind in STANDARD_INDICATORS:
            out.append(IndicatorValue(
                ind.key, ind.label, ind.unit,
                self.read_indicator_number(f"indicators.{ind.key}.value", ind.label, ind.unit),
                self.read_indicator_number(f"indicators.{ind.key}.prior", ind.label + "（上年）", ind.unit)))
        for k in range(1, CUSTOM_INDICATOR_SLOTS + 1):
            label = self.read_text(f"indicators.custom{k}.label")
            unit = self.read_text(f"indicators.custom{k}.unit") or None
            value = self.read_indicator_number(f"indicators.custom{k}.value", label or f"自定义指标{k}", unit)
            prior = self.read_indicator_number(f"indicators.custom{k}.prior", label or f"自定义指标{k}", unit)
            if label:
                out.append(IndicatorValue(f"custom{k}", label, self.read_text(f"indicators.custom{k}.unit"),
                                          value, prior, custom=True))
        report.indicators = out

    def read_indicator_number(self, key: str, what: str, unit: str | None = None):
        return self.read_number(key, money=True, what=what, unit=unit or "按该行填写的单位")

    def read_narrative(self, report: Report) -> None:
        for part in NARRATIVE_PARTS:
            title = self.read_text(f"narrative.{part.key}.title")
            if title and not part.number:
                # The grey "—" cell of a part without a sub-heading: the report never prints it.
                got = self.raw(f"narrative.{part.key}.title")
                self.notes.append(Note(f"“{part.label}”没有小标题，标题格中的“{title}”不会进入报告，已忽略",
                                       got[0] if got else None, got[1] if got else None))
                title = ""
            report.narrative[part.key] = NarrativeText(title, self.read_text(f"narrative.{part.key}.text"))

    def read_acceptances(self, report: Report) -> None:
        sheet = self.data.sheets.get(layout.SHEET_ACCEPT, {})
        for r in layout.ACCEPT_ROWS:
            fp = sheet.get(f"A{r}")
            reason = sheet.get(f"C{r}")
            if fp is None or fp.value in (None, ""):
                continue
            if reason is None or not str(reason.value or "").strip():
                self.problem("accept-no-reason", f"接受校验提示 {fp.value} 时必须写明理由",
                             layout.SHEET_ACCEPT, f"C{r}", "一句说明为何接受该提示", "在 C 列填写理由")
                continue
            report.acceptances[str(fp.value).strip()] = str(reason.value).strip()


def read_workbook(path: str | Path) -> Report:
    """Read a standard workbook into a Report, or raise one InputError listing
    every problem (file, sheet, cell, expected, how to fix)."""
    path = Path(path)
    zf = open_xlsx(path)
    try:
        with zf:
            data = read_xlsx(zf)
    except (ParseError, KeyError, ValueError, zipfile.BadZipFile, OSError) as e:
        raise InputError(Problem("file-corrupt", f"工作簿内部结构损坏，无法读取（{type(e).__name__}）",
                                 str(path), fix="在 Excel 或 WPS 中打开后另存为 .xlsx 再试"))
    reader = _Reader(path, data)
    reader.check_structure()
    report = empty_report()
    report.source = str(path)
    reader.read_meta(report)
    reader.read_figures(report)
    reader.read_indicators(report)
    reader.read_narrative(report)
    reader.read_acceptances(report)
    if reader.problems:
        raise InputError(reader.problems)
    report.notes = reader.notes
    return report
