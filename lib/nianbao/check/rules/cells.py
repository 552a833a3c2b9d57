"""A. Cell-level types and units (A1–A5)."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Iterable

from ...figures import fmt_number
from ...format import FORMAT, OTHER_COMBINED, gov2019
from ...values import NotApplicable
from ...workbook.layout import places
from ..context import Context, column_name, key_name, narrative_key, section_title
from ..registry import rule
from ..rule import ERROR, INFO, WARNING, Hit, NotRun
from .common import refs

_COUNT_KEYS = tuple(c.key for c in FORMAT.cells if c.is_count)
_FEES = "active.fees_wan_yuan"
_YUAN = re.compile(r"(\d+(?:\.\d+)?)\s*元")
#: From this many 万元 on, a fee figure is implausible for the organ's level (A3): it was
#: probably typed in 元. A locality sets its own with the environment variable
#: ``NIANBAO_FEE_LIMIT_WAN`` (one number for every level).
FEE_LIMITS_WAN = {"乡镇级": 500, "县级": 20_000, "设区的市级": 100_000, "省级": 1_000_000,
                  "国务院部门": 5_000_000, None: 100_000}
#: A fee this many times last year's is read as 元 typed into the 万元 cell (A3, with --prior).
FEE_JUMP = 10_000


def fee_limit_wan(level: str | None) -> float:
    """The A3 threshold in 万元 for an organ's level (``NIANBAO_FEE_LIMIT_WAN`` overrides)."""
    override = os.environ.get("NIANBAO_FEE_LIMIT_WAN", "").strip()
    if override and fee_limit_override_problem() is None:
        return float(override)
    return FEE_LIMITS_WAN.get(level, FEE_LIMITS_WAN[None])


def fee_limit_override_problem() -> str | None:
    """What is wrong with ``NIANBAO_FEE_LIMIT_WAN`` (set but not a positive number), or None."""
    override = os.environ.get("NIANBAO_FEE_LIMIT_WAN", "").strip()
    if not override:
        return None
    try:
        if float(override) > 0:
            return None
    except ValueError:
        pass
    return (f"环境变量 NIANBAO_FEE_LIMIT_WAN 的值“{override}”不是大于 0 的数（单位万元，如 20000），"
            f"未使用；按本行政层级的参考上限核对")


def _count_keys(ctx: Context) -> list[str]:
    keys = list(_COUNT_KEYS)
    if ctx.report.other_combined:
        keys += [f"{OTHER_COMBINED}.{c.key}" for c in FORMAT.request_columns]
    return keys


def _n_counts(table: str) -> int:
    return sum(c.is_count for c in FORMAT.cells_of(table))


@rule("A1", ERROR, "件数须为不小于 0 的整数",
      f"表二 {_n_counts('active')} 个件数单元格、表三 {_n_counts('requests')} 个、表四 {_n_counts('appeals')} 个："
      "整数且 ≥ 0", source_tag="STRUCTURAL",
      also=((INFO, "读取时转换了写法的单元格（如“12件”“1e3”）"),
            (WARNING, "邮编、电话丢了开头的 0（基本信息中的文本单元格）")))
def a1_counts(ctx: Context) -> Iterable[Hit]:
    yield from _empty_table_hits(ctx)
    yield from reader_notes(ctx, money=False)
    for key in _count_keys(ctx):
        v = ctx.value(key)
        if v is None or isinstance(v, NotApplicable):
            continue
        bad = None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            bad = f"内容“{v}”不是数"
        elif v < 0:
            bad = f"负数 {fmt_number(v)}"
        elif isinstance(v, float) and not v.is_integer():
            bad = f"小数 {fmt_number(v)}"
        if bad:
            yield Hit(f"{refs([key])}（{key_name(key)}）是{bad}；件数应为不小于 0 的整数，请改正。",
                      (key,), expected="不小于 0 的整数", actual=v)


@lru_cache(maxsize=1)
def _key_at() -> dict[tuple[str, str], str]:
    """Report key of each workbook cell, by (sheet, coordinate)."""
    return {(p.sheet, p.coord): k for k, p in places().items()}


def reader_notes(ctx: Context, money: bool) -> Iterable[Hit]:
    """What the workbook reader normalised in a figure ("12件" read as 12): an open INFO of A1
    (counts) or A2 (the fee in 万元), on the cell, so the clerk sees it and can confirm."""
    for n in ctx.report.notes:
        where = f"{n.sheet}!{n.cell}" if n.sheet and n.cell else ""
        key = _key_at().get((n.sheet, n.cell)) if where else None
        is_money = key is not None and key.startswith("active.") and not FORMAT.cell(key).is_count
        if is_money != money:
            continue
        if key is not None and key.startswith("meta."):
            # a contact detail that would print wrong (邮编 without its leading 0): a warning to fix
            yield Hit(f"{n.render()}。请在“基本信息”表改正（这些是文本单元格，连同开头的 0 一起填写）。",
                      (key,), expected="完整的号码", actual=ctx.report.meta.get(key.split(".", 1)[1]),
                      subject=f"note:{key}", severity=WARNING)
            continue
        v = ctx.value(key) if key else None
        read = f"，按 {fmt_number(v)} 读取" if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
        advice = "请确认无误；今后请只填数字" if read else "请确认无误"   # a text cell (a grey title): no "只填数字"
        yield Hit(f"{n.render()}{read}。{advice}。", (key or where,) if where else (),
                  expected="只填数字", actual=v, subject=f"note:{key or where or n.message}", severity=INFO)


#: The section each table belongs to (表二 = 二、主动公开政府信息情况 …).
_TABLE_SECTIONS = {"active": "二", "requests": "三", "appeals": "四"}


def empty_tables(ctx: Context) -> list[str]:
    """Tables ("active", "requests", "appeals") in which not one cell holds anything.

    A "/" counts as filled (a deliberate mark); so does a combined （六） row.
    """
    out = []
    for table in _TABLE_SECTIONS:
        if table == "active" and ctx.report.format.key != FORMAT.key:
            continue       # a 2019-format table 二 has other cells; rule A5 checks them
        keys = [c.key for c in FORMAT.cells_of(table)]
        if table == "requests" and ctx.report.other_combined:
            keys += [f"{OTHER_COMBINED}.{c.key}" for c in FORMAT.request_columns]
        if all(ctx.value(k) is None for k in keys):
            out.append(table)
    return out


def _empty_table_hits(ctx: Context) -> Iterable[Hit]:
    # A whole blank table is an A1 error, not an A4 warning. A4 is the practice of reading a
    # stray blank as 0 and asking for a typed 0; a table with no figure at all cannot be read
    # as zeros -- it has not been filled in, and the report would go out without it. So A1's
    # requirement that every count cell holds an integer fails outright, with A1's own
    # severity (no override), and A4 leaves that table to A1 instead of listing its rows.
    for table in empty_tables(ctx):
        cells = FORMAT.cells_of(table)
        first = [c.key for c in cells if c.row == cells[0].row]
        number = _TABLE_SECTIONS[table]
        sheet = places()[first[0]].sheet
        marks = "（本机关没有该项职权的可填“/”）" if table == "active" else ""
        yield Hit(f"表{number}“{section_title(number)}”（工作表“{sheet}”，从 {refs(first[:1])} 起共 {len(cells)} 格）"
                  f"一格也没有填写。空白不等于 0，缺少整张表的报告不能发布；请逐格填写，没有的填 0{marks}。",
                  first, expected="每格填数（没有的填 0）", actual="整张表空白", subject=f"empty-table:{table}")


@rule("A2", ERROR, "收费金额须为不小于 0 的数（万元）", "本年收费金额（万元）为数且 ≥ 0，可有小数",
      source_tag="OFFICIAL-TABLE", also=((INFO, "读取时转换了写法的金额（如“1.5万元”）"),))
def a2_fees(ctx: Context) -> Iterable[Hit]:
    yield from reader_notes(ctx, money=True)
    v = ctx.value(_FEES)
    if v is None or isinstance(v, NotApplicable):
        return
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        yield Hit(f"{refs([_FEES])}（本年收费金额）内容“{v}”不是数；请填以万元为单位的数。",
                  (_FEES,), expected="不小于 0 的数（万元）", actual=v)
    elif v < 0:
        yield Hit(f"{refs([_FEES])}（本年收费金额）是负数 {fmt_number(v)}；请改正。",
                  (_FEES,), expected="不小于 0 的数（万元）", actual=v)


@rule("A3", WARNING, "收费金额的单位应为万元",
      f"本年收费金额不应是以元填写的数：与文字中的元金额相同；有上年报告时达到上年的 {FEE_JUMP} 倍；"
      "或达到本行政层级的参考上限（可用环境变量 NIANBAO_FEE_LIMIT_WAN 设定）")
def a3_fee_unit(ctx: Context) -> Iterable[Hit]:
    v = ctx.value(_FEES)
    if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
        return
    for part, text in ctx.texts.items():
        for m in _YUAN.finditer(text):
            if text[max(0, m.start(1) - 1): m.start(1)] != "万" and text[m.end(1):m.end()].strip() == "元" \
                    and abs(float(m.group(1)) - v) < 1e-6:
                yield Hit(f"{refs([_FEES])} 填了 {fmt_number(v)}（单位万元），与文字材料中的“{m.group(0)}”数值相同，"
                          f"可能把元当成了万元；{fmt_number(v)} 元应填 {fmt_number(round(v / 10000, 6))} 万元。",
                          (_FEES, narrative_key(part)), expected=round(v / 10000, 6), actual=v,
                          subject=f"{_FEES}:{part}")
                return
    before = ctx.value(_FEES, ctx.prior) if ctx.prior is not None else None
    if isinstance(before, (int, float)) and not isinstance(before, bool) and before > 0 \
            and v >= FEE_JUMP * before:
        yield Hit(f"{refs([_FEES])} 本年收费金额 {fmt_number(v)} 万元，是上年 {fmt_number(before)} 万元的 "
                  f"{fmt_number(round(v / before))} 倍。是否按元填写了？{fmt_number(v)} 元应填 "
                  f"{fmt_number(round(v / 10000, 6))} 万元；金额确实如此请在“已说明”表写明理由。",
                  (_FEES,), expected=f"< {fmt_number(FEE_JUMP * before)}（上年的 {FEE_JUMP} 倍）", actual=v,
                  subject=f"{_FEES}:jump")
        return
    level = ctx.report.meta.get("level")
    problem = fee_limit_override_problem()
    if problem:
        ctx.note(problem)
    limit = fee_limit_wan(level)
    if v >= limit:
        yield Hit(f"{refs([_FEES])} 本年收费金额 {fmt_number(v)} 万元（{fmt_number(v / 10000)} 亿元），"
                  f"对{level or '本机关'}而言过大（参考上限 {fmt_number(limit)} 万元）。是否按元填写了？"
                  f"{fmt_number(v)} 元应填 {fmt_number(round(v / 10000, 6))} 万元。",
                  (_FEES,), expected=f"< {fmt_number(limit)}", actual=v)


@rule("A4", WARNING, "空白或“/”单元格", "数据单元格不应空白或填“/”“-”“无”“N/A”（计算时按 0）",
      source_tag="PRACTICE", also=((INFO, "表二整行填“/”（本机关无此职权）"),))
def a4_blanks(ctx: Context) -> Iterable[Hit]:
    """Blanks grouped so a clerk sees them together: table 三 by column, tables 二/四 by row."""
    groups: dict[tuple[str, str], list[str]] = {}
    empty = set(empty_tables(ctx))       # reported by A1 as a whole
    for c in FORMAT.cells:
        if not ctx.is_blank(c.key) or c.table in empty:
            continue
        if c.table == "active" and ctx.report.format.key != FORMAT.key:
            continue                      # a 2019-format table 二 has other cells; A5 checks them
        if c.table == "requests" and c.row.startswith("other_") and ctx.uses_other_combined:
            continue                      # the combined （六） row stands in for these
        group = ("requests", c.column) if c.table == "requests" else (c.table, c.row)
        groups.setdefault(group, []).append(c.key)
    for (table, part), keys in groups.items():
        marks = [k for k in keys if isinstance(ctx.value(k), NotApplicable)]
        blanks = [k for k in keys if k not in marks]
        what = []
        if blanks:
            what.append(f"{ranges(blanks)} 为空白")
        if marks:
            what.append(f"{ranges(marks)} 填了“{ctx.value(marks[0])}”")
        where = (f"依申请公开表“{column_name(part)}”列" if table == "requests"
                 else key_name(keys[0]).split("·")[0].split("（")[0])
        not_applicable_ok = table == "active" and not blanks
        msg = (f"{where}：" + "；".join(what) + "。计算时按 0 处理；"
               + ("如本机关无此项职权可保留“/”，否则请填 0。" if not_applicable_ok
                  else "数为 0 的请填 0，不要留空或填“/”。"))
        yield Hit(msg, keys, expected=0, actual=None, subject=f"{table}.{part}",
                  severity=INFO if not_applicable_ok else None)


@rule("A5", INFO, "本年增/减可为负数（仅 2019 年格式）", "2019 年试行格式表二的“本年增/减”可为负数，其余单元格同 A1",
      source_tag="PRACTICE",
      applies="仅适用于 2019 年试行格式的报告（导入的 2019 年报告；标准工作簿按 2021 年格式，没有“本年增/减”栏）")
def a5_legacy_change(ctx: Context) -> Iterable[Hit]:
    """Table 二 of a 2019-format report (report-format.md §1.9, rule A5; the
    Hubei annotation "减用负值表示，如-8" [R12]): 本年增/减 is a whole number
    that may be negative; counts are whole numbers ≥ 0; 采购总金额 a number ≥ 0.
    Hits are errors on the cell (named by its 2019 labels: the standard
    workbook has no such cells)."""
    fmt = ctx.report.format
    if fmt.key != gov2019.KEY:
        raise NotRun(f"只适用于 2019 年试行格式；本报告使用{fmt.issued_by}印发的格式，没有“本年增/减”栏")
    for cell in fmt.cells_of("active"):
        v = ctx.value(cell.key)
        if v is None or isinstance(v, NotApplicable):
            continue
        number = isinstance(v, (int, float)) and not isinstance(v, bool)
        if cell.unit == gov2019.SIGNED:
            ok, expected = number and float(v).is_integer(), "整数（减少用负数，如 -8）"
        elif cell.is_count:
            ok, expected = number and float(v).is_integer() and v >= 0, "不小于 0 的整数"
        else:
            ok, expected = number and v >= 0, "不小于 0 的数"
        if not ok:
            yield Hit(f"表二“{cell.label}”是“{v}”；2019 年格式中这一栏应为{expected}，请改正。",
                      (cell.key,), expected=expected, actual=v, severity=ERROR)


def ranges(keys: list[str]) -> str:
    """"依申请公开!E4:E28" for a run of cells in one column, else the list."""
    ps = [places()[k] for k in keys if k in places()]
    if len(ps) == len(keys) and len(ps) > 2 and len({(p.sheet, p.col) for p in ps}) == 1 \
            and [p.row for p in ps] == list(range(ps[0].row, ps[0].row + len(ps))):
        return f"{ps[0].ref}:{ps[-1].coord}"
    return refs(keys)
