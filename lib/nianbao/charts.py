"""The report's charts, one function each, for the notebook to call and change.

Each chart function takes ``(report, prior=None)`` (``nianbao.model.Report``)
and returns a ``matplotlib.figure.Figure``, or ``None`` when there is nothing
to show (every value, this year and last, is 0 or blank). The image carries
no title: the renderers caption it "图N 标题" from the key it is stored under.

``ChartSet`` is the ordered mapping the notebook's chart step leaves in
``charts`` (title → Figure); assigning ``None`` records the title in
``.omitted`` instead (the report says in one sentence that those standard
charts were left out because all values were 0). ``save(charts, folder)``
writes each Figure once as PNG (Word, PDF) and SVG (HTML) and returns the
``ChartImage`` list the renderers take, in the mapping's order.

Drawn once: the publication PNG is drawn at the first inline display (or at
``save``) and reused by both, as long as the figure has not changed since
(``render.chartpng``); in a notebook, charts are shown as that very PNG
(``use_chinese_fonts()`` or a ``ChartSet`` installs the display), so what the
notebook shows is what is published, restyled or not.

Units: one unit per axis or panel (table 二's counts and its fee in 万元 are
separate panels); the unit is printed under each panel. Sizes: 6.4 in wide at
150 dpi (960 px) with 14 pt text, so labels stay ≥ 11 px when a phone shows
the chart 390 px wide, and ~13 pt when Word shows it 15 cm wide.

Fonts: a CJK family is chosen explicitly (``render.fonts.cjk_family``); each
chart is drawn inside ``matplotlib.rc_context`` so the caller's matplotlib
state is untouched. ``use_chinese_fonts()`` sets the same fonts globally, for
the analyst's own ``plt.subplots()`` charts in the notebook.
"""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from .figures import FIGURES_BY_NAME
from .format import FORMAT
from .format.spec import MONEY
from .model import Report
from .render.chartlist import CHART_TITLES, ChartImage
from .render.chartpng import DPI, mark_chart, register_display, write_png, write_svg
from .render.fonts import chart_rc

WIDTH_IN = 6.4
FONT_PT = 14          # tick and panel labels
VALUE_PT = 12         # numbers on the bars, unit notes, legend
THIS_COLOR, PRIOR_COLOR = "#b03a2e", "#9aa5b1"
OUTCOME_COLORS = ("#2e7d32", "#c62828", "#757575", "#f9a825")


# --- the mapping the notebook keeps -----------------------------------------

class ChartSet(dict):
    """Ordered title → Figure. ``charts[title] = None`` (a chart with nothing
    to show) is not stored; the title goes to ``.omitted`` instead, and a
    later real Figure under that title takes it out again. A Figure put in
    is shown in the notebook as its publication PNG (``render.chartpng``)."""

    def __init__(self, *args, **kw):
        super().__init__()
        register_display()
        self.omitted: list[str] = []
        for k, v in dict(*args, **kw).items():
            self[k] = v

    def __setitem__(self, title: str, fig: Figure | None) -> None:
        if fig is None:
            self.pop(title, None)
            if title not in self.omitted:
                self.omitted.append(title)
            return
        if title in self.omitted:
            self.omitted.remove(title)
        if isinstance(fig, Figure):
            mark_chart(fig)
        super().__setitem__(title, fig)

    def update(self, *args, **kw) -> None:     # dict.update bypasses __setitem__
        for k, v in dict(*args, **kw).items():
            self[k] = v


def standard(report: Report, prior: Report | None = None) -> ChartSet:
    """The five standard charts in report order (titles from ``CHART_TITLES``)."""
    charts = ChartSet()
    for name, draw in STANDARD.items():
        charts[CHART_TITLES[name]] = draw(report, prior)
    return charts


def save(charts: dict[str, Figure], folder: str | os.PathLike, svg: bool = True) -> list[ChartImage]:
    """Write each Figure as ``chart-N.png`` (and ``chart-N.svg``) in ``folder``,
    N = 1, 2 … in the mapping's order; returns the ``ChartImage`` list. The
    PNG is the one already drawn for the notebook when the figure has not
    changed since (``render.chartpng.publication_png``).

    Raises ``TypeError`` (with a Chinese message) for a value that is not a
    matplotlib Figure, e.g. an Axes stored by mistake.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for i, (title, fig) in enumerate(charts.items(), 1):
        if not isinstance(fig, Figure):
            raise TypeError(f"charts[“{title}”] 应是 matplotlib 的 Figure（例如 fig, ax = plt.subplots() 中的 fig），"
                            f"实际是 {type(fig).__name__}")
        mark_chart(fig)
        png = write_png(fig, folder / f"chart-{i}.png")
        images.append(ChartImage(title, png, write_svg(fig, folder / f"chart-{i}.svg") if svg else None))
    return images


def omitted(charts: dict) -> list[str]:
    """Titles recorded as left out (``ChartSet.omitted``; [] for a plain dict)."""
    return list(getattr(charts, "omitted", []))


def use_chinese_fonts() -> str:
    """Make matplotlib draw Chinese in this process (the notebook's own
    charts): sets the chart fonts globally; returns the family used. In a
    notebook it also shows charts as their publication PNG
    (``render.chartpng.register_display``)."""
    matplotlib.rcParams.update(chart_rc())
    register_display()
    return chart_rc()["font.family"][0]


# --- drawing helpers ---------------------------------------------------------

def _short(label: str) -> str:
    """（二）部分公开（区分处理的…） -> 部分公开."""
    label = re.sub(r"^（[一二三四五六七八九十]+）", "", label)
    return re.sub(r"（.*）$", "", label)


def _year(report: Report | None, fallback: str) -> str:
    return f"{report.year}年" if report is not None and report.year else fallback


def _text_in(text: str, size: float = FONT_PT) -> float:
    """Width in inches of the longest line of ``text`` (an estimate that errs
    wide: CJK 1 em, others 0.6 em), to place margins without drawing twice."""
    em = 0.0
    for line in text.split("\n"):
        em = max(em, sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in line))
    return em * size / 72


def _new_figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    mark_chart(fig)
    return fig


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _offset(ax, dx_pt: float = 0, dy_pt: float = 0):
    return offset_copy(ax.transData, fig=ax.figure, x=dx_pt, y=dy_pt, units="points")


def _nonzero(values: Iterable[float | None] | None) -> bool:
    return any(v for v in (values or []) if v is not None)


def _series(report: Report, prior: Report | None, now: list, before: list | None):
    """(values, legend name, colour) for each year that has data, last year first."""
    out = []
    if before is not None and _nonzero(before):
        out.append((before, _year(prior, "上年"), PRIOR_COLOR))
    out.append((now, _year(report, "本年"), THIS_COLOR))
    return out


def _hbars(ax, labels: list[str], series: list, unit: str) -> None:
    """Horizontal bars, one group per label (first label on top), each bar
    labelled with its value; no value axis. ``unit`` goes under the panel."""
    n = len(labels)
    width = 0.8 / len(series)
    label_at = _offset(ax, 3, 0)
    top = 0.0
    for si, (values, name, color) in enumerate(series):
        at = [(n - 1 - i) + (len(series) - 1 - si - (len(series) - 1) / 2) * width for i in range(n)]
        vals = [v or 0 for v in values]
        ax.barh(at, vals, width * 0.92, label=name, color=color)
        for y, v in zip(at, values):
            ax.text(v or 0, y, _fmt(v), transform=label_at, fontsize=VALUE_PT, ha="left", va="center")
        top = max([top] + vals)
    ax.set_yticks(range(n)[::-1], labels, fontsize=FONT_PT)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, max(1.0, top * 1.22))
    ax.xaxis.set_visible(False)
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    ax.tick_params(length=0)
    ax.text(0, -0.02, f"单位：{unit}", transform=ax.transAxes, ha="right", va="top",
            fontsize=VALUE_PT, color="#555555")


def _legend(fig: Figure, series: list) -> None:
    """One legend for the figure, only for years that have data; none when
    there is one year only (the caption and table say which year)."""
    if len(series) < 2:
        return
    fig.legend(handles=[Patch(color=c, label=n) for _, n, c in series], loc="upper right",
               ncols=len(series), frameon=False, fontsize=VALUE_PT,
               bbox_to_anchor=(1, 1 - 0.02 / fig.get_size_inches()[1]))


def _panels(report: Report, prior: Report | None,
            panels: list[tuple[str, str, list[str], list, list | None]]) -> Figure | None:
    """Stacked horizontal-bar panels, each ``(heading, unit, labels, now, before)``;
    panels with nothing to show are dropped, None if none is left."""
    panels = [p for p in panels if _nonzero(p[3]) or _nonzero(p[4])]
    if not panels:
        return None
    any_prior = any(_nonzero(p[4]) for p in panels)
    per_bar = 0.42 if any_prior else 0.34
    heights = [len(p[2]) * per_bar * (2 if any_prior else 1) * 0.62 + 0.35 for p in panels]
    head_in, gap_in, foot_in = 0.55 if any_prior else 0.2, 0.75, 0.35
    total = sum(heights) + head_in + foot_in + gap_in * (len(panels) - 1) + 0.3 * len(panels)
    fig = _new_figure(max(2.2, total))
    left = max(_text_in(lab) for p in panels for lab in p[2]) + 0.25
    y = total - head_in
    legend_series = None
    for (heading, unit, labels, now, before), h in zip(panels, heights):
        y -= 0.3                                        # panel heading
        ax = fig.add_axes((left / WIDTH_IN, (y - h) / total, 1 - (left + 0.3) / WIDTH_IN, h / total))
        series = _series(report, prior, now, before if any_prior else None)
        if any_prior and len(series) == 1:                  # this panel has no prior data; keep the slot
            series = [([0] * len(now), _year(prior, "上年"), PRIOR_COLOR)] + series
        _hbars(ax, labels, series, unit)
        if heading:
            fig.text(0.08 / WIDTH_IN, (y + 0.06) / total, heading, fontsize=FONT_PT, va="bottom",
                     fontweight="bold")
        legend_series = series
        y -= h + gap_in
    _legend(fig, legend_series)
    return fig


# --- the five standard charts ------------------------------------------------

def applicants(report: Report, prior: Report | None = None) -> Figure | None:
    """本年新收申请 by applicant type (the six columns before 总计), in 件."""
    cols = [c for c in FORMAT.request_columns if c.key != "total"]
    labels = [c.label if c.parent is None or c.label != "其他" else "其他组织" for c in cols]
    now = [report.num(f"requests.new_received.{c.key}") for c in cols]
    before = [prior.num(f"requests.new_received.{c.key}") for c in cols] if prior else None
    with matplotlib.rc_context(chart_rc()):
        return _panels(report, prior, [("", "件", labels, now, before)])


def outcomes(report: Report, prior: Report | None = None) -> Figure | None:
    """Applications by outcome group (（一）予以公开 … （六）其他处理), in 件."""
    groups = [g for g in FORMAT.request_groups if g.key != "total_processed"]
    labels = [_short(g.label) for g in groups]
    names = [f"{lab}数" for lab in labels]
    now = [FIGURES_BY_NAME[n].value(report) for n in names]
    before = [FIGURES_BY_NAME[n].value(prior) for n in names] if prior else None
    with matplotlib.rc_context(chart_rc()):
        return _panels(report, prior, [("", "件", labels, now, before)])


def active(report: Report, prior: Report | None = None) -> Figure | None:
    """Table 二 in three panels, one unit each: 规章 and 规范性文件 (件),
    处理决定 (件), 行政事业性收费 (万元). Empty panels are left out."""
    docs, decisions, fees = [], [], []
    for block in FORMAT.active_blocks:
        for row in block.rows:
            for col in block.columns:
                key = f"active.{row.key}" if col.key == "value" else f"active.{row.key}.{col.key}"
                label = row.label if col.key == "value" else \
                    f"{row.label}·{col.label.replace('本年', '').replace('件数', '')}"
                target = fees if block.unit == MONEY else docs if len(block.columns) > 1 else decisions
                target.append((label, report.num(key), prior.num(key) if prior else None))

    def panel(heading, unit, rows):
        return (heading, unit, [r[0] for r in rows], [r[1] for r in rows],
                [r[2] for r in rows] if prior else None)

    with matplotlib.rc_context(chart_rc()):
        return _panels(report, prior, [panel("规章和行政规范性文件", "件", docs),
                                       panel("行政许可、处罚、强制决定", "件", decisions),
                                       panel("行政事业性收费", "万元", fees)])


def appeals(report: Report, prior: Report | None = None) -> Figure | None:
    """行政复议 and 行政诉讼 cases stacked by outcome, in 件; last year's
    bar (hatched) beside this year's when last year had any."""
    outs = [o for o in FORMAT.appeal_outcomes if o.key != "total"]
    groups = FORMAT.appeal_groups

    def values(rep):
        return [[rep.num(f"appeals.{g.key}.{o.key}") for g in groups] for o in outs]

    years = [(report, _year(report, "本年"), values(report))]
    if prior is not None and _nonzero(v for row in values(prior) for v in row):
        years.insert(0, (prior, _year(prior, "上年"), values(prior)))
    if not _nonzero(v for _, _, vals in years for row in vals for v in row):
        return None
    with matplotlib.rc_context(chart_rc()):
        fig = _new_figure(4.6)
        fig.subplots_adjust(left=0.1, right=0.98, top=0.8, bottom=0.2)
        ax = fig.add_subplot()
        label_at = _offset(ax, 0, 2)
        width = 0.8 / len(years)
        tops = []
        used = set()
        for yi, (rep, yname, vals) in enumerate(years):
            xs = [gi + (yi - (len(years) - 1) / 2) * width for gi in range(len(groups))]
            bottom = [0.0] * len(groups)
            for oi, row in enumerate(vals):
                ax.bar(xs, row, width * 0.9, bottom=bottom, color=OUTCOME_COLORS[oi],
                       hatch="//" if rep is not report else None, edgecolor="white")
                if _nonzero(row):
                    used.add(oi)
                bottom = [b + v for b, v in zip(bottom, row)]
            for x, total in zip(xs, bottom):
                ax.text(x, total, f"{yname}\n{_fmt(total)}" if len(years) > 1 else _fmt(total), ha="center",
                        va="bottom", fontsize=VALUE_PT - 1, transform=label_at, linespacing=1.05)
            tops += bottom
        ax.set_xticks(range(len(groups)), [(f"{g.parent}\n{g.label}" if g.parent else g.label) for g in groups],
                      fontsize=FONT_PT - 1)
        ax.tick_params(axis="x", length=0)
        ax.tick_params(axis="y", labelsize=VALUE_PT)
        ax.set_ylim(0, max(1.0, max(tops) * 1.35))
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        fig.legend(handles=[Patch(color=OUTCOME_COLORS[i], label=outs[i].label) for i in sorted(used)],
                   loc="upper center", ncols=min(4, len(used)), frameon=False, fontsize=VALUE_PT)
        fig.text(0.01, 0.01, "单位：件" + (f"；斜线为{_year(prior, '上年')}" if len(years) > 1 else ""),
                 ha="left", va="bottom", fontsize=VALUE_PT, color="#555555")
        return fig


def indicators(report: Report, prior: Report | None = None) -> Figure | None:
    """Work indicators (工作指标), one small panel each in its own unit:
    their scales differ by 10⁵. None when no indicator has a value."""
    rows = _indicator_rows(report, prior)
    if not any(now or before for _, _, now, before in rows):
        return None
    has_prior = any(before for _, _, _, before in rows)
    ncols = 3
    nrows = -(-len(rows) // ncols)
    with matplotlib.rc_context(chart_rc()):
        fig = _new_figure((0.45 if has_prior else 0.15) + 1.75 * nrows)
        h = fig.get_size_inches()[1]
        fig.subplots_adjust(left=0.01, right=0.99, top=1 - (0.4 if has_prior else 0.1) / h, bottom=0.02)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(0, ncols)
        ax.set_ylim(0, nrows)
        base, bar_h, title_y = 0.1, 0.5, 0.88
        xs, heights, bottoms, colors, lines = [], [], [], [], []
        for i, (label, unit, now, before) in enumerate(rows):
            x0, y0 = i % ncols, nrows - 1 - i // ncols
            pairs = ([(before, PRIOR_COLOR)] if has_prior else []) + [(now, THIS_COLOR)]
            scale = max(v or 0 for v, _ in pairs) or 1.0
            for j, (v, color) in enumerate(pairs):
                x = x0 + (0.5 if len(pairs) == 1 else 0.3 + 0.4 * j)
                hgt = bar_h * (v or 0) / scale
                xs.append(x)
                heights.append(hgt)
                bottoms.append(y0 + base)
                colors.append(color)
                ax.text(x, y0 + base + hgt + 0.02, _fmt(v), ha="center", va="bottom", fontsize=VALUE_PT)
            lines.append((y0 + base, x0 + 0.08, x0 + 0.92))
            ax.text(x0 + 0.5, y0 + title_y, f"{label}\n（{unit}）" if _text_in(label) > 1.6 else f"{label}（{unit}）",
                    ha="center", va="center", fontsize=VALUE_PT, linespacing=1.05)
        ax.bar(xs, heights, 0.32, bottom=bottoms, color=colors)
        y, x1, x2 = zip(*lines)
        ax.hlines(y, x1, x2, color="black", lw=0.8)
        if has_prior:
            _legend(fig, [(None, _year(prior, "上年"), PRIOR_COLOR), (None, _year(report, "本年"), THIS_COLOR)])
        return fig


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


#: The standard charts in report order, keyed as ``CHART_TITLES``.
STANDARD: dict[str, Callable[[Report, Report | None], Figure | None]] = {
    "outcomes": outcomes,
    "applicants": applicants,
    "active": active,
    "appeals": appeals,
    "indicators": indicators,
}

__all__ = ["ChartSet", "standard", "save", "omitted", "use_chinese_fonts", "applicants", "outcomes",
           "active", "appeals", "indicators", "STANDARD", "CHART_TITLES", "ChartImage"]
