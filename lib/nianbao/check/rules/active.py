"""B. Table 二 (B1, B3, B4; B2 lives with the cross-year rules)."""
from __future__ import annotations

from typing import Iterable

from ...figures import fmt_number
from ...format import FORMAT
from ..context import Context, key_name
from ..registry import rule
from ..rule import NotRun, WARNING, Hit
from .common import compare_all, refs

#: Table 二 block 第二十条第（一）项: its rows (规章, 行政规范性文件) and columns, by key.
_DOC_BLOCK = FORMAT.active_blocks[0]
DOC_ROWS = {r.key: r.label for r in _DOC_BLOCK.rows}
DOC_COLS = {c.key: c.label for c in _DOC_BLOCK.columns}
#: Levels whose organs (and governments) may not make 规章 (立法法): they should report 0 or "/".
NON_RULE_MAKING_LEVELS = {"县级", "乡镇级", "county", "township", "town"}


def doc_keys(row: str) -> tuple[str, str, str]:
    return tuple(f"active.{row}.{c}" for c in ("issued", "repealed", "in_force"))  # type: ignore[return-value]


@rule("B1", WARNING, "废止件数不超过可废止数",
      f"{DOC_COLS['repealed']} ≤ 上年{DOC_COLS['in_force']} + {DOC_COLS['issued']}"
      f"（无上年数据时：{DOC_COLS['issued']} ≤ {DOC_COLS['in_force']} + {DOC_COLS['repealed']}）")
def b1_repealed(ctx: Context) -> Iterable[Hit]:
    for row, name in DOC_ROWS.items():
        issued, repealed, in_force = doc_keys(row)
        if ctx.prior is not None:
            before = ctx.num(in_force, ctx.prior)
            if ctx.num(repealed) > before + ctx.num(issued):
                yield Hit(f"{name}：本年废止 {fmt_number(ctx.num(repealed))} 件（{refs([repealed])}），多于上年现行有效 "
                          f"{fmt_number(before)} 件 + 本年制发 {fmt_number(ctx.num(issued))} 件；废止的文件不可能多于"
                          f"可废止的文件。请核对。", (repealed, issued, in_force),
                          expected=f"≤ {fmt_number(before + ctx.num(issued))}", actual=ctx.num(repealed),
                          subject=f"{row}:prior")
        elif ctx.num(issued) > ctx.num(in_force) + ctx.num(repealed):
            yield Hit(f"{name}：本年制发 {fmt_number(ctx.num(issued))} 件（{refs([issued])}），多于现行有效 "
                      f"{fmt_number(ctx.num(in_force))} 件 + 本年废止 {fmt_number(ctx.num(repealed))} 件；本年制发的文件"
                      f"应仍然有效或已被废止。请核对现行有效件数（{refs([in_force])}）。",
                      (issued, repealed, in_force), expected=f"≤ {fmt_number(ctx.num(in_force) + ctx.num(repealed))}",
                      actual=ctx.num(issued), subject=f"{row}:self")


@rule("B3", WARNING, "无规章制定权的机关不应有规章数",
      f"县级、乡镇级机关的{DOC_ROWS['regulations']} 制发/废止/现行有效 应为 0 或“/”", source_tag="INFERRED")
def b3_regulations_level(ctx: Context) -> Iterable[Hit]:
    level = ctx.report.meta.get("level")
    if not level:
        raise NotRun("基本信息未填写行政层级，无法判断是否有规章制定权")
    if level not in NON_RULE_MAKING_LEVELS:
        return
    keys = [k for k in doc_keys("regulations") if ctx.num(k) > 0]
    if keys:
        yield Hit(f"本机关行政层级为“{level}”，没有规章制定权，但规章一行填了非零数："
                  + "，".join(f"{refs([k])}（{key_name(k).split('·')[-1]}）= {fmt_number(ctx.num(k))}" for k in keys)
                  + "。规章只由国务院部门和省、设区的市人民政府制定；本机关制发的文件应填在“行政规范性文件”一行。",
                  keys, expected=0, actual=ctx.total(keys), subject="regulations")


@rule("B4", WARNING, "文字中的主动公开数与表二一致",
      "文字中的规章/规范性文件制发、废止、现行有效件数，许可/处罚/强制决定数，收费金额 = 表二")
def b4_narrative(ctx: Context) -> Iterable[Hit]:
    yield from compare_all(ctx, ("active.",))
