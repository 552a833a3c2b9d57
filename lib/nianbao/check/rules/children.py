"""G6: a roll-up (汇总) report equals the sum of its parts.

The parent is any report (a workbook, report JSON or an imported published
report); its parts are the subordinate agencies' reports plus, where the
parent's own office reports separately, its 本级 report. They reach the rule
through ``with_children(...)``, so ``run_checks`` keeps its signature:

    parts = load_children(["各部门/"], own="本级.xlsx", year=2024)
    with with_children(parts):
        result = run_checks(parent)

Each cell of tables 二/三/四 whose parent value differs from the sum gives one
finding at that cell: both values and 差额 = 左 − 右 (parent minus sum).
Expected parts that are missing or cannot be read are named. Without parts
the rule is not run (it says how to give them). Source: report-format.md §2
G6; the sum follows ``nianbao.rollup.sum_values`` (blank and "/" count 0).
"""
from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ...format import FORMAT, OTHER_COMBINED
from ...model import Report
from ...values import NotApplicable
from ..context import Context, key_name
from ..registry import rule
from ..rule import WARNING, Hit, NotRun


@dataclass
class Children:
    """The parts a parent report is checked against."""

    reports: list[Report] = field(default_factory=list)     # the subordinate agencies'
    own: Report | None = None                               # the parent's own office (本级), if separate
    missing: list[tuple[str, str]] = field(default_factory=list)   # (file or agency, why)
    sources: list[str] = field(default_factory=list)        # one file per report, same order

    @property
    def all(self) -> list[Report]:
        return self.reports + ([self.own] if self.own is not None else [])


_CHILDREN: ContextVar[Children | None] = ContextVar("nianbao_g6_children", default=None)


@contextlib.contextmanager
def with_children(children: Children | None) -> Iterator[None]:
    """Make ``children`` the parts G6 compares with, for the checks run inside."""
    token = _CHILDREN.set(children)
    try:
        yield
    finally:
        _CHILDREN.reset(token)


def load_children(paths: Iterable[str | os.PathLike], own: str | os.PathLike | None = None,
                  year: int | None = None, parent: str | os.PathLike | None = None) -> Children:
    """Read the parts (files and folders, see ``nianbao.inputs``). A part that
    cannot be read, or is of another year than ``year``, is recorded as
    missing with the reason, never silently dropped. ``parent`` (a path) is
    left out if a folder also holds it."""
    from ...errors import NianbaoError
    from ...inputs import collect_workbooks
    from ...sources import load_report

    files, _skipped = collect_workbooks(paths)
    skip = {Path(p).resolve() for p in (own, parent) if p}
    out = Children()
    for f in files:
        if f.resolve() in skip:
            continue
        try:
            r = load_report(f)
        except NianbaoError as e:
            out.missing.append((str(f), f"无法读取：{e.problems[0].message}"))
            continue
        if year is not None and r.year != year:
            out.missing.append((str(f), f"是 {r.year} 年度的报告，汇总报告是 {year} 年度"))
            continue
        out.reports.append(r)
        out.sources.append(str(f))
    if own:
        out.own = load_report(own)
    return out


def _show(v: object) -> str:
    if v is None:
        return "空白"
    if isinstance(v, NotApplicable):
        return f"“{v}”"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _num(v: object) -> float | int:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


# Title and formula as catalogued (they are printed in the template's 填报说明 sheet).
@rule("G6", WARNING, "汇总报告等于下级单位之和", "汇总（本级）报告的每个单元格 = 各下级单位之和（范围可配置）",
      applies="仅在核对汇总（本级）报告与各下级单位报告时运行：nianbao check 汇总报告 --children 下级工作簿或文件夹")
def g6_roll_up(ctx: Context) -> Iterable[Hit]:
    from ...rollup import other_keys, other_total, sum_values, uses_combined

    children = _CHILDREN.get()
    if children is None:
        raise NotRun("需要下级单位的报告：nianbao check 汇总报告 --children 下级工作簿或文件夹 [--own 本级工作簿]")
    parts = children.all
    combined = ctx.uses_other_combined or any(uses_combined(r) for r in parts)
    skip = other_keys() if combined else set()
    pairs: list[tuple[str, object, object]] = []
    for cell in FORMAT.cells:
        if cell.key in skip:
            continue
        pairs.append((cell.key, ctx.value(cell.key),
                      sum_values([r.values.get(cell.key) for r in parts], money=not cell.is_count)))
    if combined:
        for c in FORMAT.request_columns:
            key = f"{OTHER_COMBINED}.{c.key}"
            pairs.append((key, other_total(ctx.report, c.key), sum_values([other_total(r, c.key) for r in parts])))
        ctx.note("有的报告把（六）其他处理合并为一行，按合并行（三个分项之和）比较")
    n = len(children.reports)
    what = f"{n} 个下级单位" + ("及本级" if children.own is not None else "")
    for key, parent, total in pairs:
        difference = round(_num(parent) - _num(total), 6)
        if difference == 0:
            continue
        yield Hit(f"{key_name(key)}：汇总报告填 {_show(parent)}，{what}之和为 {_show(total)}，差额 {difference:g}"
                  "（汇总报告 − 各单位之和）；请核对是否漏报、重报或汇总时抄错。",
                  keys=[key], expected=total, actual=parent, difference=difference,
                  left=f"汇总报告 {_show(parent)}", right=f"{what}之和 {_show(total)}")
    for source, why in children.missing:
        yield Hit(f"下级单位报告“{Path(source).name}”未计入（{why}）：汇总数可能不完整，请补齐后重新核对。",
                  subject=f"missing:{Path(source).name}", left="应计入的下级单位", right=source)
