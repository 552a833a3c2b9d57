"""D. Table 四 (D1) and the narrative's reconsideration and litigation figures (D2)."""
from __future__ import annotations

from typing import Iterable

from ...format import FORMAT
from ..context import Context
from ..registry import rule
from ..rule import ERROR, WARNING, Hit
from .common import APPEAL_NAMES, balance, compare_all

_GROUPS = {g.key: (f"{g.parent}·{g.label}" if g.parent else g.label) for g in FORMAT.appeal_groups}
_PARTS = tuple(o.key for o in FORMAT.appeal_outcomes if o.key != "total")
_OUTCOME_NAMES = {o.key: o.label for o in FORMAT.appeal_outcomes}
_TOTAL = _OUTCOME_NAMES["total"]
_SUIT_GROUPS = [g.key for g in FORMAT.appeal_groups if g.parent]


def _total_of(*groups: str) -> str:
    return " + ".join(f"{APPEAL_NAMES[g]}{_TOTAL}" for g in groups)


@rule("D1", ERROR, "复议诉讼分组合计",
      f"每组（{'、'.join(g.label for g in FORMAT.appeal_groups)}）：{_TOTAL} = "
      + " + ".join(_OUTCOME_NAMES[p] for p in _PARTS), source_tag="STRUCTURAL")
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
