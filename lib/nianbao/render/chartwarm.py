"""Warm the chart drawing in a template process before it forks kernels.

``warm()`` draws the five standard charts once, for a made-up agency (every
figure 1, this year and last), to the publication PNG and SVG in memory,
then throws them away. What the forked kernels inherit, copy-on-write:

- the modules a draw imports on first use (the SVG and PNG writers, PIL's
  PNG plugin, matplotlib's text-to-path);
- matplotlib's font lookups (``findfont``'s cache, one entry per family,
  size and weight) and the CJK family choice (``render.fonts.cjk_family``);
- the shared text measurements of ``render.textcache`` for every standard
  label, unit, legend and panel heading (the labels come from the format,
  so they are the same for every agency; only the numbers differ).

No agency's data is touched, no thread is started, no file is written.
matplotlib empties its open-font cache in a forked child by itself
(``os.register_at_fork`` in ``matplotlib.font_manager``): the FreeType
faces, which read their file through a shared descriptor, are never
shared between processes.

Worth it only where its cost (about one job's charts, ~0.7 s of CPU) is paid
once for many kernels: the batch's fork-server template. A single
``nianbao run`` should not call it.
"""
from __future__ import annotations

import datetime
import time

from ..format.fields import STANDARD_INDICATORS
from ..model import IndicatorValue, Report, empty_report


def sample_report(year: int) -> Report:
    """A made-up report for ``year``: every figure and indicator is 1."""
    report = empty_report()
    report.meta.update(agency="示例单位", year=year)
    report.values = {key: 1 for key in report.values}
    report.indicators = [IndicatorValue(i.key, i.label, i.unit, 1) for i in STANDARD_INDICATORS]
    return report


def warm(year: int | None = None) -> float | None:
    """Draw the standard charts once (PNG and SVG, in memory) for the
    made-up reports of ``year`` and the year before (default: last year,
    the year most reports being written are for). Returns the CPU seconds
    spent, or None when drawing failed (e.g. no CJK font installed): warming
    only saves time, so it never stops the template; the kernel reports the
    problem itself, in Chinese, when it draws."""
    from .. import charts
    from .chartpng import publication_png, publication_svg

    start = time.process_time()
    year = year or datetime.date.today().year - 1
    report, prior = sample_report(year), sample_report(year - 1)
    try:
        for draw in charts.STANDARD.values():
            fig = draw(report, prior)
            if fig is not None:
                publication_png(fig)
                publication_svg(fig)
    except Exception:           # noqa: BLE001 - an optimisation must not fail the template
        return None
    return time.process_time() - start


__all__ = ["warm", "sample_report"]
