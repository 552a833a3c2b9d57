"""D. Table 四 (D1, D4), the narrative's reconsideration and litigation figures (D2), and the
reminder to reconcile them with the 复议机关's and the court's records (D3)."""
from __future__ import annotations

from typing import Iterable

from ...figures import fmt_number
from ...format import FORMAT
from ..context import Context
from ..registry import rule
from ..rule import ERROR, INFO, WARNING, Hit
from .common import BLANK_ALSO, APPEAL_NAMES, balance, compare_all, refs

_GROUPS = {g.key: (f"{g.parent}·{g.label}" if g.parent else g.label) for g in FORMAT.appeal_groups}
_PARTS = tuple(o.key for o in FORMAT.appeal_outcomes if o.key != "total")
_OUTCOME_NAMES = {o.key: o.label for o in FORMAT.appeal_outcomes}
_TOTAL = _OUTCOME_NAMES["total"]
_SUIT_GROUPS = [g.key for g in FORMAT.appeal_groups if g.parent]


def _total_of(*groups: str) -> str:
    return " + ".join(f"{APPEAL_NAMES[g]}{_TOTAL}" for g in groups)


@rule("D1", ERROR, "复议诉讼分组合计",
      f"每组（{'、'.join(g.label for g in FORMAT.appeal_groups)}）：{_TOTAL} = "
      + " + ".join(_OUTCOME_NAMES[p] for p in _PARTS), source_tag="STRUCTURAL", also=BLANK_ALSO)
def d1_groups(ctx: Context) -> Iterable[Hit]:
    for group, name in _GROUPS.items():
        hit = balance(ctx, tuple(f"appeals.{group}.{p}" for p in _PARTS), (f"appeals.{group}.total",),
                      what=f"复议诉讼表“{name}”的合计",
                      left_words="四项结果之和", right_words="总计",
                      namer=lambda k: _OUTCOME_NAMES[k.split(".")[-1]])
        if hit:
            yield hit


@rule("D2", WARNING, "文字中的复议诉讼数与表四一致",
      f"文字中的{APPEAL_NAMES['review']}件数 = {_total_of('review')}；{APPEAL_NAMES['litigation']}件数 = "
      f"{_total_of(*_SUIT_GROUPS)}；各结果件数同理")
def d2_narrative(ctx: Context) -> Iterable[Hit]:
    yield from compare_all(ctx, ("appeal.",))


_TOTALS = tuple(f"appeals.{g.key}.total" for g in FORMAT.appeal_groups)
_PENDING = tuple(f"appeals.{g.key}.pending" for g in FORMAT.appeal_groups)
_ALL = tuple(c.key for c in FORMAT.cells_of("appeals"))


@rule("D3", INFO, "与复议机关、法院的记录核对", "表四有案件时，提醒与复议机关和人民法院的记录核对件数和结果",
      source_tag="PRACTICE")
def d3_reconcile(ctx: Context) -> Iterable[Hit]:
    # A reminder about procedure, not a problem in the figures: it goes into the run's notes
    # (shown under 其他说明 and in checks.json), not among the findings a clean report must not have.
    cases = ctx.total(_TOTALS)
    if cases > 0:
        ctx.note(f"表四共有复议诉讼案件 {fmt_number(cases)} 件：发布前请与复议机关和人民法院的记录核对件数和结果"
                 f"（国办发〔2014〕32号）。")
    return ()


@rule("D4", INFO, "上年未审结而本年没有案件", "上年尚未审结 > 0 且本年表四全部为 0 时提示（格式未规定未审结案件如何结转）",
      needs_prior=True)
def d4_pending_vanished(ctx: Context) -> Iterable[Hit]:
    before = ctx.total(_PENDING, ctx.prior)
    if before > 0 and not any(ctx.num(k) for k in _ALL):
        yield Hit(f"上年报告有{_OUTCOME_NAMES['pending']}的复议诉讼 {fmt_number(before)} 件，本年表四没有任何案件"
                  f"（{refs(_TOTALS)} 均为 0）。格式没有规定上年未审结的案件如何结转；如这些案件在本年审结，"
                  f"请确认是否应反映在本年表四中。", _TOTALS, expected="核对上年未审结案件",
                  actual=0, subject="pending")
