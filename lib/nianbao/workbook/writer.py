"""Report -> standard workbook (and the blank template), built from the format
description and the layout. Input cells are the only unlocked ones; each has a
defined name, a validation rule and, for the tables, live 勾稽 indicators that
help staff while they type (the tool itself never trusts those formulas).
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from itertools import groupby
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..format import FORMAT, OTHER_COMBINED, RESULT_ROWS
from ..format.fields import CUSTOM_INDICATOR_SLOTS, META_FIELDS, NARRATIVE_PARTS, STANDARD_INDICATORS
from ..fsutil import atomic_write_bytes
from ..model import Report
from ..values import NotApplicable
from . import guide, layout, styles

FIXED_TIME = datetime(2021, 9, 26)
#: One sign convention for every live check, as in the checker's findings: 差额 = 左 − 右.
SIGN_NOTE = ("✓ 表示相等；“✗ 差N”中 N ＝ 等式左边 − 右边，如“✗ 差-1”表示左边比右边少 1。"
             "某一块还没有填写任何数字时，检查格保持空白。")
_RED = Font(color="C00000", bold=True)


def _put_text(cell, value: str | None) -> None:
    """Store staff text as text, never as a formula (=, +, -, @ included)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _merge(ws, r1: int, c1: int, r2: int, c2: int) -> None:
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _label(ws, r: int, c: int, text: str, head: bool = False, span: tuple[int, int] | None = None,
           align=styles.CENTER) -> None:
    cell = ws.cell(r, c, text)
    styles.label(cell, head, align)
    if span:
        r2, c2 = span
        for rr in range(r, r2 + 1):
            for cc in range(c, c2 + 1):
                styles.label(ws.cell(rr, cc), head, align)
        _merge(ws, r, c, r2, c2)


class _Builder:
    def __init__(self, report: Report | None, prior: Report | None):
        self.report = report
        self.prior = prior
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.counts = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            errorStyle="warning", errorTitle="应为整数",
            error="这里应填写不小于 0 的整数件数；没有就填 0；不适用可填“/”。",
            promptTitle="件数", prompt="填写整数件数，没有填 0", showErrorMessage=True, showInputMessage=False)
        self.money = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            errorStyle="warning", errorTitle="应为金额（万元）",
            error="这里应填写不小于 0 的数，单位万元（如 1.5 表示 1.5 万元）。", showErrorMessage=True)
        self.numbers = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            errorStyle="warning", errorTitle="应为数字", error="这里应填写不小于 0 的数字。", showErrorMessage=True)

    # --- common -----------------------------------------------------------
    def sheet(self, title: str, landscape: bool = False, one_page: bool = False):
        ws = self.wb.create_sheet(title)
        ws.sheet_view.showGridLines = False
        # Print (and convert to PDF) one page wide, like the official form.
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1 if one_page else 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        return ws

    def input(self, ws, key: str, value=None, align=styles.CENTER) -> None:
        p = layout.place(key)
        cell = ws.cell(p.row, p.col)
        styles.input_cell(cell, align)
        if isinstance(value, NotApplicable):
            value = str(value)
        if isinstance(value, str):
            _put_text(cell, value)
        else:
            cell.value = value
        ref = f"'{p.sheet}'!${get_column_letter(p.col)}${p.row}"
        self.wb.defined_names[p.name] = DefinedName(p.name, attr_text=ref)

    def value(self, key: str):
        return self.report.values.get(key) if self.report else None

    # --- sheets -----------------------------------------------------------
    def build(self) -> Workbook:
        guide.write_guide(self.sheet(layout.SHEET_GUIDE))
        self.meta_sheet()
        self.active_sheet()
        self.requests_sheet()
        self.appeals_sheet()
        self.indicators_sheet()
        self.narrative_sheet()
        self.accept_sheet()
        self.version_sheet()
        self.wb.active = 1
        props = self.wb.properties
        props.creator = "nianbao"
        props.lastModifiedBy = "nianbao"
        props.title = "政府信息公开工作年度报告填报工作簿"
        props.created = props.modified = FIXED_TIME
        return self.wb

    def meta_sheet(self) -> None:
        ws = self.sheet(layout.SHEET_META)
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 46
        ws.column_dimensions["C"].width = 56
        _label(ws, 1, 1, "基本信息", True, (1, 3))
        ws.row_dimensions[1].height = 26
        for c, text in enumerate(("项目", "填写内容", "说明"), 1):
            _label(ws, 2, c, text, True)
        meta = self.report.meta if self.report else {}
        for f in META_FIELDS:
            p = layout.place(f"meta.{f.key}")
            _label(ws, p.row, 1, f.label + ("（必填）" if f.required else ""))
            value = meta.get(f.key)
            if f.kind == "emails":
                value = "; ".join(value or []) or None
            elif f.kind == "monthday" and value:
                value = f"{value[0]}月{value[1]}日"
            self.input(ws, f"meta.{f.key}", value, styles.LEFT)
            styles.helptext(ws.cell(p.row, 3, f.help))
            if f.kind == "digits":
                # A text cell: Excel/WPS/LibreOffice keep the leading 0 of 010010 and 0533-….
                ws.cell(p.row, p.col).number_format = "@"
                dv = DataValidation(type="textLength", operator="between", formula1=str(f.min_len),
                                    formula2=str(f.max_len), allow_blank=True, errorStyle="warning",
                                    errorTitle=f.label, error=f.help + "（请连同开头的 0 一起填写）",
                                    showErrorMessage=True)
                ws.add_data_validation(dv)
                dv.add(p.coord)
            if f.kind == "choice":
                dv = DataValidation(type="list", formula1='"' + ",".join(f.choices) + '"', allow_blank=True,
                                    errorTitle=f.label, error=f"请从列表中选择：{'、'.join(f.choices)}")
                ws.add_data_validation(dv)
                dv.add(p.coord)
            elif f.kind == "int":
                dv = DataValidation(type="whole", operator="between", formula1="2019", formula2="2100",
                                    errorTitle="年度", error="请填写四位年份，如 2024")
                ws.add_data_validation(dv)
                dv.add(p.coord)
            ws.row_dimensions[p.row].height = 20

    def _figure_validations(self, ws, keys: list[str], money: set[str]) -> None:
        counts = [layout.place(k).coord for k in keys if k not in money]
        dv_count = DataValidation(**{k: getattr(self.counts, k) for k in (
            "type", "operator", "formula1", "allow_blank", "errorStyle", "errorTitle", "error",
            "showErrorMessage")})
        ws.add_data_validation(dv_count)
        for c in counts:
            dv_count.add(c)
        if money:
            dv_money = DataValidation(**{k: getattr(self.money, k) for k in (
                "type", "operator", "formula1", "allow_blank", "errorStyle", "errorTitle", "error",
                "showErrorMessage")})
            ws.add_data_validation(dv_money)
            for k in money:
                dv_money.add(layout.place(k).coord)

    def active_sheet(self) -> None:
        ws = self.sheet(layout.SHEET_ACTIVE)
        ws.column_dimensions["A"].width = 24
        for col in "BCD":
            ws.column_dimensions[col].width = 16
        ws.column_dimensions["F"].width = 24
        keys, money = [], set()
        for kind, r in layout.active_grid():
            ws.row_dimensions[r].height = 22
            if kind.startswith("item:"):
                block = FORMAT.active_blocks[int(kind[5:])]
                _label(ws, r, 1, block.item, True, (r, 4))
            elif kind.startswith("header:"):
                block = FORMAT.active_blocks[int(kind[7:])]
                _label(ws, r, 1, block.header[0], True)
                if len(block.columns) == 1:
                    _label(ws, r, 2, block.header[1], True, (r, 4))
                else:
                    for j, text in enumerate(block.header[1:]):
                        _label(ws, r, 2 + j, text, True)
            else:
                block = next(b for b in FORMAT.active_blocks if any(x.key == kind for x in b.rows))
                row = next(x for x in block.rows if x.key == kind)
                _label(ws, r, 1, row.label)
                for col in block.columns:
                    key = f"active.{row.key}" if col.key == "value" else f"active.{row.key}.{col.key}"
                    self.input(ws, key, self.value(key))
                    keys.append(key)
                    if block.unit != "件":
                        money.add(key)
                    if col.key == "value":
                        p = layout.place(key)
                        for c in (3, 4):
                            styles.input_cell(ws.cell(r, c))
                        _merge(ws, r, 2, r, 4)
        self._figure_validations(ws, keys, money)
        # Last year's 现行有效件数, for reference only (rule B2 uses the prior workbook).
        _label(ws, 2, 6, "上年现行有效件数（参考）", True)
        for row_key in ("regulations", "normative_documents"):
            p = layout.place(f"active.{row_key}.in_force")
            cell = ws.cell(p.row, 6)
            styles.label(cell)
            if self.prior is not None:
                cell.value = self.prior.values.get(f"active.{row_key}.in_force")
                if isinstance(cell.value, NotApplicable):
                    cell.value = str(cell.value)
        last = layout.active_grid()[-1][1]
        styles.helptext(ws.cell(last + 2, 1, "说明：黄色单元格为填写区。件数填整数，没有填 0；"
                                            "本机关无此职能可填“/”。收费金额单位为万元。"))
        _merge(ws, last + 2, 1, last + 2, 6)

    def requests_sheet(self) -> None:
        ws = self.sheet(layout.SHEET_REQUESTS, landscape=True, one_page=True)
        first_col, first_row = layout.REQ_FIRST_COL, layout.REQ_FIRST_ROW
        cols = FORMAT.request_columns
        last_col = first_col + len(cols) - 1
        ws.column_dimensions["A"].width = 9
        ws.column_dimensions["B"].width = 17
        ws.column_dimensions["C"].width = 36
        for j in range(len(cols)):
            ws.column_dimensions[get_column_letter(first_col + j)].width = 9.5
        ws.column_dimensions[get_column_letter(last_col + 1)].width = 13
        _label(ws, 1, 1, FORMAT.request_note, True, (3, 3))
        _label(ws, 1, first_col, FORMAT.applicant_header, True, (1, last_col))
        j = 0
        for parent, members in groupby(enumerate(cols), key=lambda x: x[1].parent):
            members = list(members)
            c0 = first_col + members[0][0]
            if parent is None:
                for idx, col in members:
                    _label(ws, 2, first_col + idx, col.label, True, (3, first_col + idx))
            else:
                _label(ws, 2, c0, parent, True, (2, first_col + members[-1][0]))
                for idx, col in members:
                    _label(ws, 3, first_col + idx, col.label, True)
        ws.row_dimensions[1].height = 24
        ws.row_dimensions[2].height = 24
        ws.row_dimensions[3].height = 30
        rows = FORMAT.request_rows
        last_row = first_row + len(rows) - 1
        # Label columns, merged as in the official table.
        for level in range(3):
            i = 0
            while i < len(rows):
                text = rows[i].labels[level]
                if not text:
                    i += 1
                    continue
                j = i
                while j + 1 < len(rows) and rows[j + 1].labels[level] == text and \
                        rows[j + 1].labels[:level] == rows[i].labels[:level]:
                    j += 1
                width = 1
                while level + width < 3 and not rows[i].labels[level + width]:
                    width += 1
                vertical = j > i and level == 0
                align = styles.CENTER if (level < 2 and j > i) or vertical else styles.LEFT
                _label(ws, first_row + i, 1 + level, text, False,
                       (first_row + j, level + width), align)
                i = j + 1
        keys = []
        for i, row in enumerate(rows):
            r = first_row + i
            ws.row_dimensions[r].height = 30 if len(row.label) > 40 else 20
            for col in cols:
                key = f"requests.{row.key}.{col.key}"
                self.input(ws, key, self.value(key))
                keys.append(key)
            a, b = get_column_letter(first_col), get_column_letter(last_col - 1)
            t = get_column_letter(last_col)
            chk = ws.cell(r, last_col + 1,
                          f'=IF(COUNT({a}{r}:{t}{r})=0,"",IF(SUM({a}{r}:{b}{r})=N({t}{r}),"✓",'
                          f'"✗ 差"&(SUM({a}{r}:{b}{r})-N({t}{r}))))')
            styles.check(chk)
        self._figure_validations(ws, keys, set())
        _label(ws, 1, last_col + 1, "行合计检查\n（差＝各类申请人之和−总计）", True, (3, last_col + 1))
        # Column checks below the table (C1 勾稽 and C2 结果合计), for people only.
        idx = {row.key: first_row + i for i, row in enumerate(rows)}
        r1, r2 = last_row + 2, last_row + 3
        _label(ws, r1, 1, "勾稽检查：第一项＋第二项＝第三项（七）总计＋第四项", True, (r1, 3), styles.LEFT)
        _label(ws, r2, 1, "办理结果检查：（一）至（六）之和＝（七）总计", True, (r2, 3), styles.LEFT)
        styles.helptext(ws.cell(r2 + 1, 1, SIGN_NOTE))
        _merge(ws, r2 + 1, 1, r2 + 1, last_col + 1)
        ws.row_dimensions[r2 + 1].height = 30
        res_first = idx[RESULT_ROWS[0]]
        res_last = idx[RESULT_ROWS[-1]]
        for j in range(len(cols)):
            c = get_column_letter(first_col + j)
            n, co, tp, cf = (f"N({c}{idx[k]})" for k in ("new_received", "carried_over",
                                                         "total_processed", "carried_forward"))
            typed = ",".join(f"{c}{idx[k]}" for k in ("new_received", "total_processed", "carried_forward"))
            # Blank until the staff have typed something in the block (二 may come from last year).
            ws.cell(r1, first_col + j, f'=IF(COUNT({typed},{c}{res_first}:{c}{res_last})=0,"",'
                                       f'IF({n}+{co}={tp}+{cf},"✓","✗ 差"&({n}+{co}-{tp}-{cf})))')
            ws.cell(r2, first_col + j,
                    f'=IF(COUNT({c}{res_first}:{c}{res_last},{c}{idx["total_processed"]})=0,"",'
                    f'IF(SUM({c}{res_first}:{c}{res_last})={tp},"✓","✗ 差"&(SUM({c}{res_first}:{c}{res_last})-{tp})))')
            styles.check(ws.cell(r1, first_col + j))
            styles.check(ws.cell(r2, first_col + j))
        rng = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col + 1)}{r2}"
        ws.conditional_formatting.add(rng, FormulaRule(
            formula=[f'LEFT({get_column_letter(first_col)}{first_row},1)="✗"'], font=_RED))
        # The combined （六） row, used only for reports imported from the old layout.
        ro = layout.other_combined_row()
        other = next(g.label for g in FORMAT.request_groups if g.key == "other")
        _label(ws, ro - 1, 1, f"以下一行仅用于导入把“{other}”印成一行的旧版式报告；正常填报请留空。",
               False, (ro - 1, last_col), styles.LEFT)
        _label(ws, ro, 1, f"{other}（合并行）", False, (ro, 3))
        combined = self.report.other_combined if self.report else None
        for col in cols:
            key = f"{OTHER_COMBINED}.{col.key}"
            self.input(ws, key, (combined or {}).get(col.key))
        ws.freeze_panes = ws.cell(first_row, first_col)

    def appeals_sheet(self) -> None:
        ws = self.sheet(layout.SHEET_APPEALS, landscape=True)
        outcomes = FORMAT.appeal_outcomes
        n = len(outcomes)
        for c in range(1, 3 * n + 1):
            ws.column_dimensions[get_column_letter(c)].width = 8.5
        col = 1
        heads = {}
        for grp in FORMAT.appeal_groups:
            heads.setdefault(grp.parent or grp.label, []).append(grp)
        for top, groups in heads.items():
            _label(ws, 1, col, top, True, (1, col + n * len(groups) - 1))
            for grp in groups:
                if grp.parent:
                    _label(ws, 2, col, grp.label, True, (2, col + n - 1))
                    for k, out in enumerate(outcomes):
                        _label(ws, 3, col + k, out.label, True)
                else:
                    for k, out in enumerate(outcomes):
                        _label(ws, 2, col + k, out.label, True, (3, col + k))
                for k, out in enumerate(outcomes):
                    key = f"appeals.{grp.key}.{out.key}"
                    self.input(ws, key, self.value(key))
                parts = f"{get_column_letter(col)}{layout.APPEAL_ROW}:{get_column_letter(col + n - 2)}{layout.APPEAL_ROW}"
                total = f"N({get_column_letter(col + n - 1)}{layout.APPEAL_ROW})"
                last = f"{get_column_letter(col + n - 1)}{layout.APPEAL_ROW}"
                chk = ws.cell(layout.APPEAL_ROW + 1, col + n - 1,
                              f'=IF(COUNT({parts},{last})=0,"",IF(SUM({parts})={total},"✓",'
                              f'"✗ 差"&(SUM({parts})-{total})))')
                styles.check(chk)
                col += n
        for r in (1, 2, 3):
            ws.row_dimensions[r].height = 24
        ws.row_dimensions[layout.APPEAL_ROW].height = 22
        self._figure_validations(ws, [f"appeals.{g.key}.{o.key}" for g in FORMAT.appeal_groups for o in outcomes], set())
        styles.helptext(ws.cell(layout.APPEAL_ROW + 2, 1,
                                f"说明：每组的“总计”应等于{'、'.join(o.label for o in outcomes[:-1])}四项之和"
                                f"（第 {layout.APPEAL_ROW + 1} 行即时显示检查结果）。" + SIGN_NOTE))
        _merge(ws, layout.APPEAL_ROW + 2, 1, layout.APPEAL_ROW + 2, 3 * n)
        ws.row_dimensions[layout.APPEAL_ROW + 1].height = 18
        ws.row_dimensions[layout.APPEAL_ROW + 2].height = 36      # two printed lines of help text
        ws.conditional_formatting.add(f"A{layout.APPEAL_ROW + 1}:{get_column_letter(3 * n)}{layout.APPEAL_ROW + 1}",
                                      FormulaRule(formula=[f'LEFT(A{layout.APPEAL_ROW + 1},1)="✗"'], font=_RED))

    def indicators_sheet(self) -> None:
        ws = self.sheet(layout.SHEET_INDICATORS)
        for c, w in zip("ABCDE", (26, 8, 14, 16, 44)):
            ws.column_dimensions[c].width = w
        _label(ws, 1, 1, "工作指标（正文引用的工作数字）", True, (1, 5))
        for c, text in enumerate(("指标", "单位", "本年数值", "上年数值（参考）", "说明"), 1):
            _label(ws, 2, c, text, True)
        values = {i.key: i for i in (self.report.indicators if self.report else [])}
        priors = {i.key: i for i in (self.prior.indicators if self.prior else [])}
        numeric = []
        for ind in STANDARD_INDICATORS:
            p = layout.place(f"indicators.{ind.key}.value")
            _label(ws, p.row, 1, ind.label, align=styles.LEFT)
            _label(ws, p.row, 2, ind.unit)
            have = values.get(ind.key)
            prior_value = have.prior if have else None
            if prior_value is None and ind.key in priors:
                prior_value = priors[ind.key].value
            self.input(ws, f"indicators.{ind.key}.value", have.value if have else None)
            self.input(ws, f"indicators.{ind.key}.prior", prior_value)
            numeric += [f"indicators.{ind.key}.value", f"indicators.{ind.key}.prior"]
            styles.helptext(ws.cell(p.row, 5, ind.help or f"可在正文中写 {{{ind.label}}} 引用本年数值"))
        head = layout.CUSTOM_FIRST_ROW - 1
        _label(ws, head, 1, "本机关自定义指标（可选，填写指标名称后生效）", True, (head, 5), styles.LEFT)
        custom = [i for i in (self.report.indicators if self.report else []) if i.custom]
        if not custom and self.prior is not None:
            custom = [i for i in self.prior.indicators if i.custom]
            carry = {i.key: i for i in custom}
            custom = [type(i)(i.key, i.label, i.unit, None, carry[i.key].value, True) for i in custom]
        for k in range(CUSTOM_INDICATOR_SLOTS):
            item = custom[k] if k < len(custom) else None
            for part in ("label", "unit", "value", "prior"):
                key = f"indicators.custom{k + 1}.{part}"
                self.input(ws, key, getattr(item, part) if item else None,
                           styles.LEFT if part == "label" else styles.CENTER)
            numeric += [f"indicators.custom{k + 1}.value", f"indicators.custom{k + 1}.prior"]
        ws.add_data_validation(self.numbers)
        for key in numeric:
            self.numbers.add(layout.place(key).coord)

    def narrative_sheet(self) -> None:
        from ..figures import FIGURES

        ws = self.sheet(layout.SHEET_NARRATIVE, landscape=True)
        for c, w in zip("ABC", (20, 22, 96)):
            ws.column_dimensions[c].width = w
        _label(ws, 1, 1, "文字材料（报告正文）", True, (1, 3))
        for c, text in enumerate(("部分", "小标题（可空）", "正文"), 1):
            _label(ws, 2, c, text, True)
        texts = self.report.narrative if self.report else {}
        for part in NARRATIVE_PARTS:
            p = layout.place(f"narrative.{part.key}.text")
            _label(ws, p.row, 1, part.label, align=styles.LEFT)
            t = texts.get(part.key)
            if part.number:
                self.input(ws, f"narrative.{part.key}.title", t.title if t else None, styles.LEFT)
                tp = layout.place(f"narrative.{part.key}.title")
                ws.cell(tp.row, tp.col).comment = Comment(
                    f"如“主动公开及时全面”。留空时用“{part.default_title}”。", "nianbao")
            else:
                _label(ws, p.row, 2, "—")
                # keep the defined name so reading never depends on positions
                self.input(ws, f"narrative.{part.key}.title", t.title if t else None, styles.LEFT)
                styles.label(ws.cell(p.row, 2))
            self.input(ws, f"narrative.{part.key}.text", t.text if t else None, styles.TOP_LEFT)
            ws.row_dimensions[p.row].height = 150
        note_row = layout.FIRST_DATA_ROW + len(NARRATIVE_PARTS) + 1
        names = "、".join("{" + f.name + "}" for f in FIGURES)
        styles.helptext(ws.cell(note_row, 1,
            "正文中可以使用占位符，生成报告时自动换成表格中的数字，不必手工抄写：" + names +
            "；工作指标也可按名称引用，如 {门户网站发布信息}。在名称后加“比上年”得到比较语句，"
            "如 {新收申请总数比上年} → “比上年增加1件”或“与上年持平”。请勿照搬上年文字（规则 E3）。"))
        _merge(ws, note_row, 1, note_row, 3)
        ws.row_dimensions[note_row].height = 96

    def accept_sheet(self) -> None:
        ws = self.sheet(layout.SHEET_ACCEPT)
        for c, w in zip("ABCD", (20, 10, 70, 14)):
            ws.column_dimensions[c].width = w
        for c, text in enumerate(("提示指纹", "规则", "接受理由（必填）", "审核人"), 1):
            _label(ws, 1, c, text, True)
        items = list((self.report.acceptances if self.report else {}).items())
        for r in layout.ACCEPT_ROWS:
            for c in range(1, 5):
                cell = ws.cell(r, c)
                styles.input_cell(cell, styles.LEFT)
            if r - 2 < len(items):
                fp, reason = items[r - 2]
                _put_text(ws.cell(r, 1), fp)
                _put_text(ws.cell(r, 3), reason)
        styles.helptext(ws.cell(layout.ACCEPT_ROWS.stop + 1, 1, "审核人确认某条“警告”属实无误时，把校验结果中的指纹抄到 A 列并写明理由；"
                                      "该警告将显示为“已接受”。“错误”不能接受，必须改正。"))
        _merge(ws, layout.ACCEPT_ROWS.stop + 1, 1, layout.ACCEPT_ROWS.stop + 1, 4)

    def version_sheet(self) -> None:
        ws = self.wb.create_sheet(layout.SHEET_VERSION)
        ws["A1"], ws["B1"] = "nianbao-template", layout.TEMPLATE_VERSION
        ws["A2"], ws["B2"] = "format", FORMAT.key
        ws.sheet_state = "hidden"
        ws.protection.sheet = True


def build_workbook(report: Report | None = None, prior: Report | None = None) -> Workbook:
    """The standard workbook, blank or filled with ``report``; ``prior`` adds
    last year's reference figures."""
    return _Builder(report, prior).build()


def _stable_bytes(wb: Workbook) -> bytes:
    """Save with fixed zip timestamps so regenerating the template is byte-stable."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core_times(data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)
    return out.getvalue()


def _fix_core_times(xml: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2", xml)


def write_workbook(report: Report | None, path: str | Path, prior: Report | None = None) -> Path:
    """Write the workbook atomically (never over the input the user gave us:
    callers check that)."""
    return atomic_write_bytes(path, _stable_bytes(build_workbook(report, prior)))


def write_template(path: str | Path) -> Path:
    return write_workbook(None, path)
