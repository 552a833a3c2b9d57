"""The charts a report carries, in report order, with their titles. Kept
apart from ``charts`` so the Word and HTML renderers need not import
matplotlib just to place the pictures.

Contract between the notebook and the renderers: the notebook's chart step
holds an ordered mapping ``charts`` (title → matplotlib Figure); the render
step saves each Figure once (``ChartImage``: a PNG for Word/PDF and,
optionally, an SVG for HTML) and hands the renderers the list in that order,
plus the titles of standard charts left out because every value was zero
(``omitted``), which the report mentions in one sentence.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CHART_TITLES = {
    "outcomes": "政府信息公开申请办理结果",
    "applicants": "本年新收申请的申请人类型",
    "active": "主动公开政府信息情况（表二）",
    "appeals": "行政复议、行政诉讼结果",
    "indicators": "政务公开工作指标",
}


@dataclass(frozen=True)
class ChartImage:
    """One chart as the renderers place it.

    ``title``: the caption without its number (the renderer adds "图1 "…);
    the image itself carries no title. ``png``: raster for Word and PDF.
    ``svg``: optional vector for HTML (falls back to the PNG).
    """
    title: str
    png: Path
    svg: Path | None = None


def ordered_charts(charts: dict[str, Path]) -> list[str]:
    """Chart names in report order (known ones first, then any extra)."""
    return [n for n in CHART_TITLES if n in charts] + [n for n in charts if n not in CHART_TITLES]
