"""Charts as PNG files by name, for callers outside the notebook (tests,
scripts). The drawing lives in the public ``nianbao.charts``; the job's
notebook uses that module directly, so what it draws is what is published.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..charts import STANDARD
from .chartpng import DPI, write_png

#: name → chart function ``(report, prior) -> Figure | None`` (see ``nianbao.charts``).
CHARTS = STANDARD


def _draw_to(name: str, report, prior, path: str | os.PathLike) -> Path | None:
    fig = STANDARD[name](report, prior)
    return None if fig is None else write_png(fig, path)


def chart_outcomes(report, prior, path: str | os.PathLike) -> Path | None:
    """The outcome chart as a PNG at ``path`` (None: nothing to show)."""
    return _draw_to("outcomes", report, prior, path)


def render_charts(report, prior, outdir: str | os.PathLike) -> dict[str, Path]:
    """Draw the standard charts into ``outdir`` as ``chart-<name>.png``;
    charts with nothing to show (all zero) are left out."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    drawn = {name: _draw_to(name, report, prior, outdir / f"chart-{name}.png") for name in STANDARD}
    return {name: path for name, path in drawn.items() if path is not None}


__all__ = ["CHARTS", "DPI", "chart_outcomes", "render_charts"]
