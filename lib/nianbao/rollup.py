"""Roll-up (汇总): a government's report whose tables 二/三/四 are the
cell-by-cell sums of its departments' (and towns') reports.

    rollup = build_rollup(["各部门/"], agency="示例市人民政府", own="本级.xlsx")
    write_rollup(rollup, "汇总.xlsx")

How a cell is summed (report-format.md §2, rules A3/A4 on blanks and "/"):

- every input blank → blank (blank is not 0: nobody reported the cell);
- no input has a number but some have "/" (the function does not exist
  there) → "/";
- otherwise the sum of the numbers, blank and "/" counting as 0 — fees
  (第二十条第（八）项) in 万元, rounded to 4 decimals, counts as integers.

Sums preserve every linear 勾稽 identity (C1–C5, D1, …), so a roll-up of
clean reports checks clean. When some input prints （六）其他处理 as one
combined row, the roll-up does too (each input contributes its combined row
or the sum of its three sub-rows) and says so in a note.

Refusals (``InputError``, exit 2, naming the files): inputs of different
years, the same agency twice, and inputs whose table figures have errors (rules A–D) — unless
``allow_errors``, which keeps them and marks them in the 汇总范围 sheet.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from .errors import InputError, NianbaoError, Problem
from .format import FORMAT
from .format.fields import NARRATIVE_PARTS, STANDARD_INDICATORS
from .model import IndicatorValue, NarrativeText, Report, empty_report
from .values import NotApplicable, Value

#: The sheet the roll-up workbook gets besides the standard ones.
PARTS_SHEET = "汇总范围"
NA_MARK = "/"
OWN_LABEL = "本级"
CHILD_LABEL = "下级单位"

#: Key figures listed per constituent (report key, column title).
KEY_CELLS = (
    ("requests.new_received.total", "新收申请"),
    ("requests.total_processed.total", "办理结果总数"),
    ("requests.disclosed.total", "予以公开"),
    ("requests.carried_forward.total", "结转下年度"),
    ("appeals.review.total", "行政复议"),
    ("appeals.litigation_direct.total", "直接起诉"),
    ("appeals.litigation_after_review.total", "复议后起诉"),
)
FEES_KEY = "active.fees_wan_yuan"
#: Rules on the tables' figures (report-format.md §2 A–D): their errors would
#: be carried into the sums. Narrative rules (F, G) concern only that agency's text.
TABLE_RULE_PARTS = "ABCD"

#: A draft narrative for the office to rewrite: every figure through a
#: placeholder, so the text always agrees with the summed tables (rules F1–F9).
DRAFT_NARRATIVE = {
    "overview": "（汇总稿，请改写）本报告汇总本地区各单位的政府信息公开工作年度报告，汇总范围见工作簿“汇总范围”表。",
    "requests": "本年度新收政府信息公开申请{新收申请总数}件，上年结转{上年结转申请数}件；办结{办理结果总数}件，"
                "其中予以公开{予以公开数}件。",
    "problems": "（汇总稿，请改写）各单位报告的存在的主要问题及改进情况。",
    "other_matters": "（汇总稿，请改写）各单位报告的其他需要报告的事项。",
}


def sum_values(values: Sequence[Value], money: bool = False) -> Value:
    """One cell of the roll-up from the inputs' values (see the module doc)."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        return NotApplicable(NA_MARK) if any(isinstance(v, NotApplicable) for v in values) else None
    total = sum(numbers)
    if money or any(isinstance(v, float) for v in numbers):
        total = round(float(total), 4)
        return int(total) if total.is_integer() and not money else total
    return int(total)


def uses_combined(report: Report) -> bool:
    """（六）其他处理 printed as one combined row (the three sub-rows blank)."""
    from .check.context import Context

    return Context(report).uses_other_combined


def other_keys() -> set[str]:
    """The cells of the three （六）其他处理 sub-rows."""
    return {f"requests.{r.key}.{c.key}" for r in FORMAT.rows_in_group("other") for c in FORMAT.request_columns}


def other_total(report: Report, column: str) -> Value:
    """（六）其他处理 of one column as one figure, combined row or three sub-rows."""
    if uses_combined(report):
        return (report.other_combined or {}).get(column)
    return sum_values([report.values.get(f"requests.{r.key}.{column}") for r in FORMAT.rows_in_group("other")])


def sum_reports(reports: Sequence[Report], agency: str, year: int | None,
                meta_from: Report | None = None) -> tuple[Report, list[str]]:
    """A Report whose tables are the cell sums of ``reports`` (indicators of
    the standard list summed the same way; narrative left blank for the office
    to write). Returns ``(report, notes)``."""
    notes: list[str] = []
    out = empty_report()
    meta = {k: v for k, v in (meta_from.meta if meta_from else {}).items()
            if k not in ("agency", "year", "publish_date", "deadline_override")}
    meta.update(agency=agency, year=year, agency_kind=meta.get("agency_kind") or "人民政府")
    out.meta = meta
    combined = any(uses_combined(r) for r in reports)
    skip = other_keys() if combined else set()
    for cell in FORMAT.cells:
        if cell.key in skip:
            out.values[cell.key] = None
            continue
        out.values[cell.key] = sum_values([r.values.get(cell.key) for r in reports], money=not cell.is_count)
    if combined:
        out.other_combined = {}
        for col in FORMAT.request_columns:
            out.other_combined[col.key] = sum_values([other_total(r, col.key) for r in reports])
        notes.append("有的报告把（六）其他处理合并为一行填报，汇总表也合并为一行（各报告的三个分项先相加）")
    out.indicators = []
    for ind in STANDARD_INDICATORS:
        vals = []
        for r in reports:
            iv = r.indicator(ind.key)
            vals.append(iv.value if iv else None)
        out.indicators.append(IndicatorValue(ind.key, ind.label, ind.unit, sum_values(vals, money=True)))
    out.narrative = {p.key: NarrativeText(text=DRAFT_NARRATIVE.get(p.key, "")) for p in NARRATIVE_PARTS}
    notes.append("文字材料是汇总稿（数字用占位符自动取汇总表的数），发布前请按本地区实际改写")
    return out, notes


@dataclass
class Part:
    """One constituent report of a roll-up."""

    path: Path
    report: Report
    role: str = CHILD_LABEL            # 下级单位 | 本级
    errors: int = 0
    warnings: int = 0

    @property
    def agency(self) -> str:
        return self.report.agency

    @property
    def status(self) -> str:
        if self.errors:
            return f"有错误（{self.errors} 项），已按 --allow-errors 计入"
        return f"无错误（警告 {self.warnings} 项）" if self.warnings else "无错误"


@dataclass
class Rollup:
    report: Report
    parts: list[Part]
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def is_rollup_workbook(path: str | os.PathLike) -> bool:
    """A workbook ``write_rollup`` made (it has the 汇总范围 sheet)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return PARTS_SHEET in z.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def load_parts(paths: Iterable[str | os.PathLike], own: str | os.PathLike | None = None
               ) -> tuple[list[Part], list[str]]:
    """Read every input (files and folders, see ``inputs.collect_workbooks``)
    and check it. An earlier roll-up met in a folder is skipped (it would
    count everything twice; name it as a file to include a county's roll-up). All unreadable inputs are reported
    together (exit 2). Returns ``(parts, skipped lines)``; the own office's
    part, if any, last."""
    from .check import run_checks
    from .inputs import collect_workbooks
    from .sources import load_report

    paths = list(paths)
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    files, skipped = collect_workbooks(paths)
    own_path = Path(own) if own else None
    if own_path is not None:
        if not own_path.is_file():
            raise InputError(Problem("input-missing", "找不到本级工作簿", file=str(own_path),
                                     fix="检查 --own 给出的路径"))
        files = [f for f in files if f.resolve() != own_path.resolve()]
    for f in [f for f in files if f.resolve() not in named and is_rollup_workbook(f)]:
        skipped.append(f"  {f}：这是以前生成的汇总工作簿，不再计入（否则会重复计算）")
        files.remove(f)
    problems: list[Problem] = []
    parts: list[Part] = []
    for f, role in [(f, CHILD_LABEL) for f in files] + ([(own_path, OWN_LABEL)] if own_path else []):
        try:
            report = load_report(f, documents=True)
        except NianbaoError as e:
            problems += e.problems
            continue
        result = run_checks(report)
        errors = sum(1 for x in result.errors if x.rule[0] in TABLE_RULE_PARTS)
        warnings = sum(1 for x in result.warnings if x.status == "open")
        parts.append(Part(f, report, role, errors, warnings))
    if problems:
        raise InputError(problems)
    if not parts:
        raise InputError(Problem("rollup-empty", "没有找到可以汇总的工作簿",
                                 fix="给出各下级单位的 .xlsx 工作簿，或存放它们的文件夹"))
    return parts, skipped


def _refusals(parts: list[Part], year: int | None, allow_errors: bool) -> list[Problem]:
    problems = []
    years = {p.report.year for p in parts}
    if year is not None and years - {year}:
        for p in parts:
            if p.report.year != year:
                problems.append(Problem("rollup-year", f"这份报告是 {p.report.year} 年度的，汇总的是 {year} 年度",
                                        file=str(p.path), expected=f"{year} 年度的工作簿",
                                        fix="去掉这个文件，或改用 --year 指定要汇总的年度"))
    elif len(years) > 1:
        listing = "；".join(f"{y} 年：" + "、".join(p.path.name for p in parts if p.report.year == y)
                           for y in sorted(years, key=lambda y: (y is None, y or 0)))
        problems.append(Problem("rollup-years", f"输入的报告年度不一致（{listing}）",
                                expected="同一年度的工作簿", fix="只汇总同一年度的报告，或用 --year 指定年度"))
    by_agency: dict[str, list[Part]] = {}
    for p in parts:
        by_agency.setdefault(p.agency, []).append(p)
    for agency, same in by_agency.items():
        if len(same) > 1:
            problems.append(Problem("rollup-duplicate", f"机关“{agency}”出现了 {len(same)} 次："
                                    + "、".join(str(p.path) for p in same),
                                    expected="每个机关一份报告", fix="只保留其中正确的一份（同一机关不能重复计入）"))
    if not allow_errors:
        for p in parts:
            if p.errors:
                problems.append(Problem("rollup-input-errors",
                                        f"“{p.agency}”的报告有 {p.errors} 项数字错误，汇总后错误会带入汇总报告",
                                        file=str(p.path),
                                        fix=f"先改正（nianbao check {p.path.name} 查看），"
                                            "或加 --allow-errors 照样汇总（汇总范围表中会标明）"))
    return problems


def build_rollup(paths: Iterable[str | os.PathLike], agency: str | None = None, year: int | None = None,
                 own: str | os.PathLike | None = None, allow_errors: bool = False) -> Rollup:
    """Read, check and sum the inputs. ``agency`` defaults to the own
    office's agency (``own``), else "汇总"; ``year`` to the inputs' common
    year. Raises ``InputError`` for the refusals in the module doc."""
    parts, skipped = load_parts(paths, own)
    problems = _refusals(parts, year, allow_errors)
    if problems:
        raise InputError(problems)
    year = year if year is not None else parts[0].report.year
    own_part = next((p for p in parts if p.role == OWN_LABEL), None)
    notes = []
    if not agency:
        agency = own_part.agency if own_part else "汇总"
        notes.append(f"汇总报告的机关名称为“{agency}”（可用 --agency 指定）")
    report, sum_notes = sum_reports([p.report for p in parts], agency, year,
                                    meta_from=own_part.report if own_part else None)
    notes += sum_notes
    marked = [p for p in parts if p.errors]
    if marked:
        notes.append("以下报告有数字错误，已按 --allow-errors 计入：" + "、".join(p.agency for p in marked))
    return Rollup(report, parts, notes, skipped)


def _cell_text(v: Value) -> object:
    return str(v) if isinstance(v, NotApplicable) else v


def add_parts_sheet(wb, rollup: Rollup) -> None:
    """The 汇总范围 sheet: one row per constituent with key figures and status."""
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(PARTS_SHEET)
    ws["A1"] = f"{rollup.report.agency}{rollup.report.year or ''}年度汇总范围（共 {len(rollup.parts)} 份报告）"
    ws["A1"].font = Font(bold=True, size=13)
    head = ["序号", "机关", "类型", "文件"] + [t for _, t in KEY_CELLS] + ["收费金额（万元）", "错误", "警告", "状态"]
    ws.append([])
    ws.append(head)
    for c in ws[3]:
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    red = PatternFill("solid", fgColor="FFC7CE")
    for i, p in enumerate(rollup.parts, 1):
        fee = p.report.values.get(FEES_KEY)
        row = [i, p.agency, p.role, p.path.name] + [_cell_text(p.report.values.get(k)) for k, _ in KEY_CELLS] \
            + [_cell_text(fee), p.errors, p.warnings, p.status]
        ws.append(row)
        if p.errors:
            for c in ws[ws.max_row]:
                c.fill = red
    total_row = ["", "合计", "", ""] + [_cell_text(rollup.report.values.get(k)) for k, _ in KEY_CELLS] \
        + [_cell_text(rollup.report.values.get(FEES_KEY)),
           sum(p.errors for p in rollup.parts), sum(p.warnings for p in rollup.parts), ""]
    ws.append(total_row)
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    if rollup.notes:
        ws.append([])
        for n in rollup.notes:
            ws.append(["", "说明：" + n])
    widths = [6, 30, 10, 24] + [11] * len(KEY_CELLS) + [14, 7, 7, 30]
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "C4"
    ws.protection.sheet = True     # a record of what was summed, not an input


def write_rollup(rollup: Rollup, path: str | os.PathLike) -> Path:
    """Write the roll-up as a standard workbook (it reads back with the
    standard reader and passes ``nianbao check``) plus the 汇总范围 sheet."""
    from .fsutil import atomic_write_bytes
    from .workbook.writer import _stable_bytes, build_workbook

    wb = build_workbook(rollup.report)
    add_parts_sheet(wb, rollup)
    return atomic_write_bytes(path, _stable_bytes(wb))
