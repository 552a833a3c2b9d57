"""Year over year: a tidy table of the named figures and work indicators for
this year and last, with the change and the phrase the report would use."""
from __future__ import annotations

import pandas as pd

from .figures import FIGURES, compare_phrase
from .model import Report


def year_over_year(report: Report, prior: Report | None) -> pd.DataFrame:
    """One row per figure: 指标, 单位, 本年, 上年, 变化, 说法."""
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
    df = pd.DataFrame(rows, columns=["指标", "单位", "本年", "上年"])
    df["变化"] = [None if a is None or b is None else round(a - b, 4) for a, b in zip(df["本年"], df["上年"])]
    df["说法"] = [compare_phrase(a, b, u) for a, b, u in zip(df["本年"], df["上年"], df["单位"])]
    return df
