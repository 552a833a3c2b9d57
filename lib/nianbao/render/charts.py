"""Charts for the report and the notebook (matplotlib, Agg, no pyplot).

Each chart is drawn on its own ``Figure`` inside ``rc_context`` so nothing
leaks into the caller's matplotlib state; the CJK font is chosen once per
process by ``fonts.cjk_family``. Sized 7.5 in wide at 150 dpi (1125 px) with
11 pt text, so text is still about 9 pt and ~190 dpi when Word shows the PNG
15 cm wide.

Speed: the five charts take well under a second together. Margins are set
from the label lengths (``_text_in``) instead of constrained layout, which
would draw every figure twice; PNGs are written with light zlib compression;
the indicator panels share one Axes instead of one Axes each.
"""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Callable

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from ..figures import FIGURES_BY_NAME
from ..format import FORMAT
from ..model import Report
from .chartlist import CHART_TITLES
from .fonts import chart_rc
from ..fsutil import atomic_path

DPI = 150
WIDTH_IN = 7.5
FONT_PT = 11
THIS_COLOR, PRIOR_COLOR = "#b03a2e", "#9aa5b1"
OUTCOME_COLORS = ("#2e7d32", "#c62828", "#757575", "#f9a825")

#: zlib level for the PNGs: 1 is several times faster than matplotlib's
#: default 6 and the files stay small (flat colours compress well anyway).
PNG_COMPRESS_LEVEL = 1



def _short(label: str) -> str:
    """（二）部分公开（区分处理的…） -> 部分公开."""
    label = re.sub(r"^（[一二三四五六七八九十]+）", "", label)
    return re.sub(r"（.*）$", "", label)


def _year(report: Report | None, fallback: str) -> str:
    return f"{report.year}年" if report is not None and report.year else fallback


def _text_in(text: str, size: float = FONT_PT) -> float:
    """Width in inches of the longest line of ``text`` in the chart font.

    An estimate (CJK full width 1 em, other characters ~0.6 em) that errs
    wide; good enough to place the margins without drawing twice.
    """
    em = 0.0
    for line in text.split("\n"):
        w = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in line)
        em = max(em, w)
    return em * size / 72


def _new_figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _margins(fig: Figure, left_in: float, right_in: float, top_in: float, bottom_in: float) -> None:
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left_in / w, right=1 - right_in / w,
                        top=1 - top_in / h, bottom=bottom_in / h)


def _save(fig: Figure, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, facecolor="white",
                    metadata={"Software": None},
                    pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return path


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _offset(ax, dx_pt: float = 0, dy_pt: float = 0):
    """Data coordinates shifted by a few points (for value labels)."""
    return offset_copy(ax.transData, fig=ax.figure, x=dx_pt, y=dy_pt, units="points")


def _paired_bars(title: str, labels: list[str], now: list[float], before: list[float] | None,
                 report: Report, prior: Report | None, path: Path, horizontal: bool = False,
                 unit: str = "件") -> Path:
    """This year (and last year) side by side for each label.

    Every bar carries its value, so there is no value axis (fewer ticks to
    draw and nothing to misread); the unit is noted under the plot.
    """
    n = len(labels)
    height = max(3.0, (0.5 if before else 0.32) * n + 1.2) if horizontal else 4.0
    fig = _new_figure(height)
    if horizontal:
        _margins(fig, left_in=max(_text_in(lab) for lab in labels) + 0.2, right_in=0.3,
                 top_in=0.45, bottom_in=0.35)
    else:
        lines = max(lab.count("\n") + 1 for lab in labels)
        _margins(fig, left_in=0.3, right_in=0.3, top_in=0.45, bottom_in=0.35 + 0.2 * lines)
    ax = fig.add_subplot()
    pos = list(range(n))
    width = 0.38 if before else 0.6
    offset = width / 2 if before else 0
    if horizontal:
        pos = pos[::-1]       # first label on top
    series = [(before, _year(prior, "上年"), PRIOR_COLOR, +offset if horizontal else -offset)] if before else []
    series.append((now, _year(report, "本年"), THIS_COLOR, -offset if horizontal else +offset))
    top = max([v for v in now + (before or []) if v is not None] + [0])
    label_at = _offset(ax, 3, 0) if horizontal else _offset(ax, 0, 2)
    for values, name, color, shift in series:
        at = [p + shift for p in pos]
        if horizontal:
            ax.barh(at, values, width, label=name, color=color)
        else:
            ax.bar(at, values, width, label=name, color=color)
        for p, v in zip(at, values):
            xy = (v, p) if horizontal else (p, v)
            ax.text(*xy, _fmt(v), transform=label_at, fontsize=9,
                    ha="left" if horizontal else "center", va="center" if horizontal else "bottom")
    limit = max(1.0, top * 1.15)
    if horizontal:
        ax.set_yticks(pos, labels)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(0, limit)
        ax.xaxis.set_visible(False)
        ax.spines[["top", "right", "bottom"]].set_visible(False)
    else:
        ax.set_xticks(pos, labels)
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(0, limit)
        ax.yaxis.set_visible(False)
        ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(length=0)
    _unit(fig, unit)
    _title(ax, title)
    ax.legend(frameon=False, loc="lower right" if horizontal else "upper right")
    if not any(now + (before or [])):
        _all_zero(ax)
    return _save(fig, path)


def _title(ax, title: str) -> None:
    # An explicit y skips matplotlib's automatic title placement, which
    # measures every tick label on each draw.
    ax.set_title(title, fontsize=13, y=1.0, pad=10)


def _unit(fig: Figure, unit: str) -> None:
    """单位：件, bottom left under the plot."""
    fig.text(0.08 / WIDTH_IN, 0.06 / fig.get_size_inches()[1], f"单位：{unit}",
             ha="left", va="bottom", fontsize=9, color="#555555")


def _all_zero(ax) -> None:
    """Say so when every bar is 0; an empty plot looks like a rendering fault."""
    ax.text(0.5, 0.5, "各项均为 0", transform=ax.transAxes, ha="center", va="center",
            fontsize=12, color="#555555")


def chart_outcomes(report: Report, prior: Report | None, path: str | os.PathLike) -> Path:
    """Applications by outcome group, this year against last."""
    groups = [g for g in FORMAT.request_groups if g.key != "total_processed"]
    labels = [_short(g.label) for g in groups]
    names = [f"{lab}数" for lab in labels]
    assert all(n in FIGURES_BY_NAME for n in names), names
    now = [FIGURES_BY_NAME[n].value(report) for n in names]
    before = [FIGURES_BY_NAME[n].value(prior) for n in names] if prior else None
    with matplotlib.rc_context(chart_rc()):
        return _paired_bars(CHART_TITLES["outcomes"], labels, now, before, report, prior, Path(path))


def chart_applicants(report: Report, prior: Report | None, path: str | os.PathLike) -> Path:
    """New applications by applicant type (the six columns before 总计)."""
    cols = [c for c in FORMAT.request_columns if c.key != "total"]
    labels = [c.label if c.parent is None or c.label != "其他" else "其他组织" for c in cols]
    now = [report.num(f"requests.new_received.{c.key}") for c in cols]
    before = [prior.num(f"requests.new_received.{c.key}") for c in cols] if prior else None
    with matplotlib.rc_context(chart_rc()):
        return _paired_bars(CHART_TITLES["applicants"], labels, now, before, report, prior,
                            Path(path), horizontal=True)


def chart_active(report: Report, prior: Report | None, path: str | os.PathLike) -> Path:
    """Table 二's count cells, year over year (the fee is in 万元, shown in the label)."""
    labels, now, before = [], [], []
    for cell in FORMAT.cells_of("active"):
        label = cell.row_label if cell.column == "value" else \
            f"{cell.row_label}·{cell.column_label.replace('本年', '').replace('件数', '')}"
        if not cell.is_count:
            label += f"（{cell.unit}）"
        labels.append(label)
        now.append(report.num(cell.key))
        before.append(prior.num(cell.key) if prior else 0)
    with matplotlib.rc_context(chart_rc()):
        return _paired_bars(CHART_TITLES["active"], labels, now, before if prior else None,
                            report, prior, Path(path), horizontal=True)


def chart_appeals(report: Report, prior: Report | None, path: str | os.PathLike) -> Path:
    """复议 and 诉讼 cases stacked by outcome; last year's bar beside this year's."""
    outcomes = [o for o in FORMAT.appeal_outcomes if o.key != "total"]
    groups = FORMAT.appeal_groups
    years = ([(prior, _year(prior, "上年"))] if prior else []) + [(report, _year(report, "本年"))]
    with matplotlib.rc_context(chart_rc()):
        fig = _new_figure(4.0)
        _margins(fig, left_in=0.75, right_in=0.2, top_in=0.45, bottom_in=0.8)
        ax = fig.add_subplot()
        label_at = _offset(ax, 0, 2)
        width = 0.8 / len(years)
        ticks = list(range(len(groups)))
        tick_labels = [(f"{g.parent}\n{g.label}" if g.parent else g.label) for g in groups]
        tops = []
        for yi, (rep, yname) in enumerate(years):
            xs = [gi + (yi - (len(years) - 1) / 2) * width for gi in ticks]
            bottom = [0.0] * len(groups)
            for oi, out in enumerate(outcomes):     # one bar() per outcome and year
                vals = [rep.num(f"appeals.{grp.key}.{out.key}") for grp in groups]
                ax.bar(xs, vals, width * 0.9, bottom=bottom, color=OUTCOME_COLORS[oi],
                       label=out.label if rep is report else None,
                       hatch="//" if rep is prior and prior is not None else None,
                       edgecolor="white")
                bottom = [b + v for b, v in zip(bottom, vals)]
            for x, total in zip(xs, bottom):
                ax.text(x, total, f"{yname}\n{_fmt(total)}", ha="center", va="bottom",
                        fontsize=8, transform=label_at, linespacing=1.1)
            tops += bottom
        ax.set_xticks(ticks, tick_labels)
        _unit(fig, "件")
        ax.tick_params(axis="x", length=0)
        top = max(tops + [0])
        ax.set_ylim(0, max(1.0, top * 1.35))
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        _title(ax, CHART_TITLES["appeals"])
        ax.legend(frameon=False, ncols=len(outcomes), loc="upper center", fontsize=9)
        if not any(tops):
            _all_zero(ax)
        elif prior is not None:
            fig.text(1 - 0.1 / WIDTH_IN, 0.06 / 4.0, f"斜线为{_year(prior, '上年')}",
                     ha="right", va="bottom", fontsize=9, color="#555555")
        return _save(fig, Path(path))


def _indicator_rows(report: Report, prior: Report | None) -> list[tuple[str, str, float | None, float | None]]:
    rows = []
    for ind in report.indicators:
        before = ind.prior
        if prior is not None:
            match = next((p for p in prior.indicators if p.key == ind.key and p.label == ind.label), None)
            if match is not None and match.value is not None:
                before = match.value
        if ind.value is None and before is None:
            continue
        rows.append((ind.label, ind.unit, ind.value, before))
    return rows


def chart_indicators(report: Report, prior: Report | None, path: str | os.PathLike) -> Path:
    """Work indicators, one small panel each: their scales differ by 10⁵.

    All panels are drawn on one Axes in panel units (each panel 1 × 1, bars
    scaled to the panel's larger value), which is much faster than one Axes
    per panel; the panels have no value axis, only labelled bars.
    """
    rows = _indicator_rows(report, prior)
    ncols = 4
    nrows = max(1, -(-len(rows) // ncols))
    names = [_year(prior, "上年") if prior else "上年", _year(report, "本年")]
    with matplotlib.rc_context(chart_rc()):
        fig = _new_figure(0.5 + 1.5 * nrows)
        _margins(fig, left_in=0.1, right_in=0.1, top_in=0.5, bottom_in=0.05)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(0, ncols)
        ax.set_ylim(0, nrows)
        # Inside a panel (y from its bottom): baseline, bars, values, title.
        base, bar_h, title_y = 0.12, 0.58, 0.9
        xs, heights, bottoms, colors, lines = [], [], [], [], []
        for i, (label, unit, now, before) in enumerate(rows):
            x0, y0 = i % ncols, nrows - 1 - i // ncols
            vals = [before or 0, now or 0]
            scale = max(vals) or 1.0
            for j, (v, shown) in enumerate(zip(vals, (before, now))):
                x = x0 + 0.32 + 0.36 * j
                h = bar_h * v / scale
                xs.append(x)
                heights.append(h)
                bottoms.append(y0 + base)
                colors.append((PRIOR_COLOR, THIS_COLOR)[j])
                if shown is not None:
                    ax.text(x, y0 + base + h + 0.02, _fmt(shown), ha="center", va="bottom",
                            fontsize=9)
            lines.append((y0 + base, x0 + 0.08, x0 + 0.92))
            ax.text(x0 + 0.5, y0 + title_y, f"{label}（{unit}）", ha="center", va="center",
                    fontsize=10)
        if xs:
            ax.bar(xs, heights, 0.3, bottom=bottoms, color=colors)
            y, x1, x2 = zip(*lines)
            ax.hlines(y, x1, x2, color="black", lw=0.8)
            fig.legend(handles=[Patch(color=PRIOR_COLOR, label=names[0]),
                                Patch(color=THIS_COLOR, label=names[1])],
                       loc="upper right", ncols=2, frameon=False, fontsize=9,
                       bbox_to_anchor=(1, 1 - 0.08 / fig.get_size_inches()[1]))
        else:
            ax.text(0.5, 0.5, "未填写工作指标", ha="center", va="center", transform=ax.transAxes)
        fig.suptitle(CHART_TITLES["indicators"], fontsize=13, y=1 - 0.12 / fig.get_size_inches()[1],
                     va="top")
        return _save(fig, Path(path))


CHARTS: dict[str, Callable[[Report, Report | None, str | os.PathLike], Path]] = {
    "outcomes": chart_outcomes,
    "applicants": chart_applicants,
    "active": chart_active,
    "appeals": chart_appeals,
    "indicators": chart_indicators,
}


def render_charts(report: Report, prior: Report | None, outdir: str | os.PathLike) -> dict[str, Path]:
    """Draw every chart into ``outdir`` as ``chart-<name>.png`` (ASCII names)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    return {name: fn(report, prior, outdir / f"chart-{name}.png") for name, fn in CHARTS.items()}
