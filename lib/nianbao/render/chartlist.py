"""The charts a report carries, in report order, with their titles. Kept
apart from ``charts`` so the Word and HTML renderers need not import
matplotlib just to place the pictures."""
from __future__ import annotations

from pathlib import Path

CHART_TITLES = {
    "outcomes": "政府信息公开申请办理结果",
    "applicants": "本年新收申请的申请人类型",
    "active": "主动公开政府信息情况（表二）",
    "appeals": "行政复议、行政诉讼结果",
    "indicators": "政务公开工作指标",
}


def ordered_charts(charts: dict[str, Path]) -> list[str]:
    """Chart names in report order (known ones first, then any extra)."""
    return [n for n in CHART_TITLES if n in charts] + [n for n in charts if n not in CHART_TITLES]
