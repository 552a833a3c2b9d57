"""Year over year: a tidy table of the named figures and work indicators for
this year and last, with the change and the phrase the report would use."""
from __future__ import annotations

import pandas as pd

from .figures import FIGURES, compare_phrase
from .model import Report

COLUMNS = ["指标", "单位", "本年", "上年", "变化", "说法"]


def year_over_year(report: Report, prior: Report | None) -> pd.DataFrame:
    """One row per figure: 指标, 单位, 本年, 上年, 变化, 说法.

    The number columns have object dtype so counts stay Python ints (70,
    not 70.0) next to amounts such as 3.62 万元; None = no value.
    """
    rows = []
    for f in FIGURES:
        now = f.value(report)
        before = f.value(prior) if prior is not None else None
        rows.append((f.name, f.unit, now, before))
    priors = {i.key: i.value for i in (prior.indicators if prior is not None else [])}
    for ind in report.indicators:
        before = priors.get(ind.key, ind.prior)
        if ind.value is None and before is None:
            continue
        rows.append((ind.label, ind.unit, ind.value, before))
    out = []
    for name, unit, now, before in rows:
        change = None if now is None or before is None else _tidy(round(now - before, 4))
        out.append((name, unit, _tidy(now), _tidy(before), change, compare_phrase(now, before, unit)))
    return pd.DataFrame(out, columns=COLUMNS, dtype=object)


def _tidy(v):
    """12.0 → 12; other numbers and None unchanged."""
    return int(v) if isinstance(v, float) and v.is_integer() else v
