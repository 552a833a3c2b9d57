"""D. Table 四 (D1) and the narrative's reconsideration and litigation figures (D2)."""
from __future__ import annotations

from typing import Iterable

from ...format import FORMAT
from ..context import Context
from ..registry import rule
from ..rule import ERROR, WARNING, Hit
from .common import balance, compare_all

_GROUPS = {g.key: (f"{g.parent}·{g.label}" if g.parent else g.label) for g in FORMAT.appeal_groups}
_PARTS = tuple(o.key for o in FORMAT.appeal_outcomes if o.key != "total")
_OUTCOME_NAMES = {o.key: o.label for o in FORMAT.appeal_outcomes}


@rule("D1", ERROR, "复议诉讼分组合计", "每组（行政复议、未经复议直接起诉、复议后起诉）：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
      source_tag="STRUCTURAL")
def d1_groups(ctx: Context) -> Iterable[Hit]:
    for group, name in _GROUPS.items():
        hit = balance(ctx, tuple(f"appeals.{group}.{p}" for p in _PARTS), (f"appeals.{group}.total",),
                      what=f"复议诉讼表“{name}”的合计",
                      left_words="四项结果之和", right_words="总计",
                      namer=lambda k: _OUTCOME_NAMES[k.split(".")[-1]])
        if hit:
            yield hit


@rule("D2", WARNING, "文字中的复议诉讼数与表四一致",
      "文字中的行政复议件数 = 行政复议总计；行政诉讼件数 = 未经复议直接起诉总计 + 复议后起诉总计；各结果件数同理")
def d2_narrative(ctx: Context) -> Iterable[Hit]:
    yield from compare_all(ctx, ("appeal.",))
