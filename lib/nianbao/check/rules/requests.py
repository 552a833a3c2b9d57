"""C. Table 三 within itself (C1–C8)."""
from __future__ import annotations

import re
from typing import Iterable

from ...figures import fmt_number
from ...format import FORMAT, OTHER_COMBINED
from ..context import Context, column_name, group_name, narrative_key, row_name, section_heading, section_title
from ..registry import rule
from ..rule import ERROR, WARNING, Hit, NotRun
from .common import BLANK_ALSO, balance, refs

_COLUMNS = tuple(c.key for c in FORMAT.request_columns)
_APPLICANTS = _COLUMNS[:-1]
_ROWS = tuple(r.key for r in FORMAT.request_rows)
_FEE_TEXT = re.compile(r"信息处理费")
_FEE_NOTICE = re.compile(r"收费通知")
_FEE_CHARGED = re.compile(r"收取[^。；;，,]{0,20}?信息处理费[^。；;，,]{0,6}?(\d+(?:\.\d+)?)\s*(万?元)"
                          r"|信息处理费[^。；;，,]{0,10}?(\d+(?:\.\d+)?)\s*(万?元)")
_NEGATED = re.compile(r"(未|没有|无|不)[^。；;，,]{0,6}$")


def _k(row: str, col: str) -> str:
    return Context.request_key(row, col)


@rule("C1", ERROR, "勾稽关系（每一列）", "一 + 二 = 三（七）总计 + 四（对 7 列中的每一列）",
      source_tag="OFFICIAL", also=BLANK_ALSO)
def c1_balance(ctx: Context) -> Iterable[Hit]:
    for col in _COLUMNS:
        hit = balance(ctx, (_k("new_received", col), _k("carried_over", col)),
                      (_k("total_processed", col), _k("carried_forward", col)),
                      what=f"依申请公开表“{column_name(col)}”列的勾稽关系",
                      left_words="一 + 二", right_words="三（七）+ 四",
                      namer=lambda k: row_name(k.split(".")[1]))
        if hit:
            yield hit


@rule("C2", ERROR, "办理结果合计（每一列）",
      "三（七）总计 = （一）+（二）+（三）1–8 +（四）1–3 +（五）1–5 +（六）1–3（对每一列）",
      source_tag="STRUCTURAL",
      also=BLANK_ALSO + ((WARNING, "（六）合并行与（六）1–3 行都填了数字、且各列都等于 1–3 行之和（合并行不用）"),))
def c2_results(ctx: Context) -> Iterable[Hit]:
    rows = ctx.result_rows()
    for col in _COLUMNS:
        hit = balance(ctx, tuple(_k(r, col) for r in rows), (_k("total_processed", col),),
                      what=f"依申请公开表“{column_name(col)}”列的办理结果合计",
                      left_words="（一）至（六）各项之和", right_words="三（七）总计",
                      namer=lambda k: row_name(k.split(".")[-2] if k.startswith("requests.") else OTHER_COMBINED))
        if hit:
            yield hit
    yield from _ignored_combined_row(ctx)


_OTHER_ROWS = tuple(r.key for r in FORMAT.rows_in_group("other"))


def _ignored_combined_row(ctx: Context) -> Iterable[Hit]:
    """Figures in the combined （六） row while （六）1–3 also hold figures: the sub-rows are
    used and the combined row is not, so its figures must not vanish without a word."""
    oc = ctx.report.other_combined
    if not oc or ctx.uses_other_combined:
        return
    typed = [c for c in _COLUMNS if not ctx.is_blank(f"{OTHER_COMBINED}.{c}")]
    if not typed:
        return
    keys = [f"{OTHER_COMBINED}.{c}" for c in typed]
    differs = [c for c in typed if abs(ctx.num(f"{OTHER_COMBINED}.{c}") - ctx.total(_k(r, c) for r in _OTHER_ROWS)) > 1e-9]
    name = row_name(OTHER_COMBINED)
    if differs:
        what = (f"其中“{column_name(differs[0])}”列合并行为 {fmt_number(ctx.num(f'{OTHER_COMBINED}.{differs[0]}'))}，"
                f"1–3 行之和为 {fmt_number(ctx.total(_k(r, differs[0]) for r in _OTHER_ROWS))}，两者不同")
    else:
        what = "各列都等于 1–3 行之和"
    yield Hit(f"“{name}”（{refs(keys[:1])} 起 {len(keys)} 格）填了数字，而（六）的 1–3 行（{refs([_k(_OTHER_ROWS[0], 'natural_person')])} 所在的三行）也填了数字；"
              f"核对和生成报告都按 1–3 行计算，合并行的数字不会使用（{what}）。合并行只用于导入旧版式报告，"
              f"请清空它；如合并行的数字才是对的，请把它们分填到 1–3 行。",
              keys + [_k(r, c) for r in _OTHER_ROWS for c in differs[:1]],
              expected="合并行留空", actual=ctx.num(keys[0]), subject="other-combined-ignored",
              severity=None if differs else WARNING)


def _rows_with_combined(ctx: Context) -> list[str]:
    rows = list(_ROWS)
    if ctx.report.other_combined:
        rows.insert(rows.index("total_processed"), OTHER_COMBINED)
    return rows


@rule("C3", ERROR, "行合计",
      f"每一行：{column_name('total')} = " + " + ".join(column_name(c) for c in _APPLICANTS),
      source_tag="STRUCTURAL", also=BLANK_ALSO)
def c3_row_totals(ctx: Context) -> Iterable[Hit]:
    for row in _rows_with_combined(ctx):
        hit = balance(ctx, tuple(_k(row, c) for c in _APPLICANTS), (_k(row, "total"),),
                      what=f"依申请公开表“{row_name(row)}”行的合计",
                      left_words="六类申请人之和", right_words="总计",
                      namer=lambda k: column_name(k.split(".")[-1]))
        if hit:
            yield hit


#: Where an importer records group-subtotal rows a source printed (not part of the official
#: table): ``meta[SUBTOTALS] = {group key: {column key: value}}``, e.g. {"withheld": {"total": 3}}.
SUBTOTALS = "subtotals"


@rule("C4", ERROR, "小计行不重复计算", "原文有分组小计行（非官方格式）时：小计 = 该组各分项之和，且（七）总计不再计入小计",
      source_tag="PRACTICE", applies="仅适用于导入的、原文有分组小计行的报告（标准工作簿没有小计行）")
def c4_subtotals(ctx: Context) -> Iterable[Hit]:
    subtotals = ctx.report.meta.get(SUBTOTALS)
    if not subtotals:
        raise NotRun("标准工作簿没有小计行（官方表格不设小计），报告也没有记录原文的小计行")
    rows = ctx.result_rows()
    for group, by_column in subtotals.items():
        members = [r.key for r in FORMAT.rows_in_group(group)]
        for col, value in by_column.items():
            keys = [_k(r, col) for r in members]
            parts, total = ctx.total(keys), _k("total_processed", col)
            where = f"依申请公开表“{column_name(col)}”列“{group_name(group)}”的小计"
            if abs(parts - value) > 1e-6:
                yield Hit(f"{where}为 {fmt_number(value)}，但该组各分项之和为 {fmt_number(parts)}（{refs(keys)}）；"
                          f"小计与分项不符，请核对原文。", keys, expected=parts, actual=value,
                          difference=value - parts, subject=f"{group}:{col}:sum")
            elif value and abs(ctx.num(total) - (ctx.total(_k(r, col) for r in rows) + value)) < 1e-6:
                yield Hit(f"三（七）总计 {fmt_number(ctx.num(total))}（{refs([total])}）等于各项之和再加上{where} "
                          f"{fmt_number(value)}：小计被重复计算了。总计应为 {fmt_number(ctx.num(total) - value)}。",
                          (*keys, total), expected=ctx.num(total) - value, actual=ctx.num(total),
                          difference=value, subject=f"{group}:{col}:double")


@rule("C5", ERROR, "结转下年度不超过可办理数", "四（结转下年度）≤ 一（本年新收）+ 二（上年结转）（每一列）",
      source_tag="STRUCTURAL", also=((WARNING, "一或二有空白单元格"),))
def c5_carry_forward(ctx: Context) -> Iterable[Hit]:
    for col in _COLUMNS:
        cf, new, co = _k("carried_forward", col), _k("new_received", col), _k("carried_over", col)
        available = ctx.num(new) + ctx.num(co)
        if ctx.num(cf) > available:
            blank = [k for k in (new, co) if ctx.is_blank(k)]
            yield Hit(f"依申请公开表“{column_name(col)}”列：四（结转下年度）= {fmt_number(ctx.num(cf))}，"
                      f"大于 一（本年新收）+ 二（上年结转）= {fmt_number(available)}；结转的申请不可能多于"
                      f"本年可办理的申请。请核对 {refs((cf, new, co))}。",
                      (cf, new, co), expected=f"≤ {fmt_number(available)}", actual=ctx.num(cf),
                      difference=ctx.num(cf) - available,
                      left=f"四 = {fmt_number(ctx.num(cf))}", right=f"一 + 二 = {fmt_number(available)}",
                      severity=WARNING if blank else None)


def _fee_notices(ctx: Context) -> int | float | None:
    ind = ctx.report.indicator("fee_notices")
    return ind.value if ind and isinstance(ind.value, (int, float)) else None


@rule("C6", WARNING, "逾期未缴费须有收费通知", "若（六）2 逾期未缴费 > 0：第六部分写明信息处理费收费通知，且收费通知数 ≥（六）2[总计]")
def c6_fee_notices(ctx: Context) -> Iterable[Hit]:
    key = "requests.other_fee_unpaid.total"
    unpaid = ctx.num(key)
    if unpaid <= 0:
        return
    notices = _fee_notices(ctx)
    text = ctx.text("other_matters")
    if notices is not None:
        if notices < unpaid:
            yield Hit(f"（六）2 逾期未缴费的申请有 {fmt_number(unpaid)} 件（{refs([key])}），但工作指标中信息处理费"
                      f"收费通知只有 {fmt_number(notices)} 件；未缴费的申请都应先发过收费通知。请核对两处数字。",
                      (key, "indicators.fee_notices.value"), expected=f"≥ {fmt_number(unpaid)}",
                      actual=notices)
    elif not (_FEE_TEXT.search(text) and _FEE_NOTICE.search(text)):
        yield Hit(f"（六）2 逾期未缴费的申请有 {fmt_number(unpaid)} 件（{refs([key])}），但“{section_heading('六')}”"
                  f"没有写信息处理费收费通知的情况，请补写发出收费通知的件数和金额。",
                  (key, narrative_key("other_matters")), expected="第六部分写明收费通知", actual="未写")


def fee_charged(ctx: Context) -> tuple[float, str] | None:
    """Information-processing fee collected, in 元, and where it is stated (for messages):
    the 工作指标 "信息处理费实收金额" if typed, else the amount section 六 states."""
    ind = ctx.report.indicator("fee_collected_yuan")
    if ind and isinstance(ind.value, (int, float)):
        return float(ind.value), f"工作指标“{ind.label}”"
    text = ctx.text("other_matters")
    for m in _FEE_CHARGED.finditer(text):
        if _NEGATED.search(text[: m.start()]):
            continue
        amount, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return float(amount) * (10_000 if unit == "万元" else 1), f"第六部分“{section_title('六')}”"
    return None


def fee_charged_yuan(ctx: Context) -> float | None:
    """Information-processing fee collected, in 元 (see ``fee_charged``)."""
    found = fee_charged(ctx)
    return found[0] if found else None


@rule("C7", WARNING, "收取信息处理费须有申请", "若第六部分写明收取了信息处理费：一 + 二 > 0")
def c7_fee_needs_requests(ctx: Context) -> Iterable[Hit]:
    found = fee_charged(ctx)
    charged, where = found if found else (None, "")
    keys = ("requests.new_received.total", "requests.carried_over.total")
    if charged and charged > 0 and ctx.total(keys) == 0:
        yield Hit(f"{where}写明收取信息处理费 {fmt_number(charged)} 元，但依申请公开表中"
                  f"一（本年新收）+ 二（上年结转）= 0（{refs(keys)}）；没有申请就不会收取信息处理费。请核对。",
                  (*keys, narrative_key("other_matters")), expected="> 0", actual=0)


@rule("C8", WARNING, "只填了总计", "某行总计 > 0 而六类申请人单元格全部空白", source_tag="PRACTICE")
def c8_only_total(ctx: Context) -> Iterable[Hit]:
    for row in _rows_with_combined(ctx):
        applicants = [_k(row, c) for c in _APPLICANTS]
        total = _k(row, "total")
        if ctx.num(total) > 0 and all(ctx.is_blank(k) for k in applicants):
            yield Hit(f"依申请公开表“{row_name(row)}”行只填了总计 {fmt_number(ctx.num(total))}（{refs([total])}），"
                      f"六类申请人单元格（{refs([applicants[0]])} 至 {refs([applicants[-1]])}）全部空白；"
                      f"请按申请人类型分别填写。", (*applicants, total), expected="按申请人分列",
                      actual="只有总计")
