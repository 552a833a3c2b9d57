"""Charts (nianbao.charts): one unit per axis, zero-only charts left out, no
legend entry without data, no title inside the image, readable sizes, Chinese
glyphs present, no global matplotlib state changed."""
from __future__ import annotations

import re
import struct
import warnings

import matplotlib
import pytest
from matplotlib.figure import Figure
from test_render_support import seed_prior, seed_report

from conftest import DEMO_2023, DEMO_2024
from nianbao import charts as nc
from nianbao.model import empty_report
from nianbao.render.chartlist import CHART_TITLES
from nianbao.render.fonts import cjk_family, fontconfig_file
from nianbao.sources import load_report


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def demo():
    return load_report(DEMO_2024, documents=False), load_report(DEMO_2023)


@pytest.fixture(scope="module")
def drawn(demo, tmp_path_factory):
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        # "Glyph … missing from current font" means empty boxes: fail.
        warnings.simplefilter("error", UserWarning)
        charts = nc.standard(*demo)
        images = nc.save(charts, tmp_path_factory.mktemp("charts"))
    return charts, images, before


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def test_demo_draws_every_standard_chart_in_report_order(drawn):
    charts, images, _ = drawn
    assert list(charts) == list(CHART_TITLES.values()) and charts.omitted == []
    assert [i.title for i in images] == list(charts)
    for img in images:
        width, height = _png_size(img.png)
        assert width >= 900, (img.title, width)               # ≥ 150 dpi at 15 cm
        assert 0.3 < height / width < 1.7, (img.title, width, height)
        svg = img.svg.read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert not re.search(r'(?:href|src)\s*=\s*"(?:https?:|//)', svg), "no external reference"


def test_no_title_drawn_inside_the_image(drawn):
    charts, _, _ = drawn
    for title, fig in charts.items():
        texts = _texts(fig)
        assert title not in texts and not any(ax.get_title() for ax in fig.axes), title


def test_table_two_has_one_unit_per_panel(drawn):
    fig = drawn[0][CHART_TITLES["active"]]
    units = [t for t in _texts(fig) if t.startswith("单位：")]
    assert units == ["单位：件", "单位：件", "单位：万元"]
    fee_axes = fig.axes[-1]
    assert [t.get_text() for t in fee_axes.get_yticklabels()] == ["行政事业性收费"]
    # the fee bar fills its own panel instead of vanishing beside counts of 2,103
    bars = [p.get_width() for p in fee_axes.patches]
    assert max(bars) == pytest.approx(3.62) and fee_axes.get_xlim()[1] < 10


def test_fonts_are_large_enough_for_a_phone(drawn):
    """At 390 px the 960 px image shrinks ~2.6×; 12 pt at 150 dpi stays ≥ 9 px."""
    charts, _, _ = drawn
    for title, fig in charts.items():
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
        assert min(sizes) >= 11, (title, min(sizes))


def test_no_legend_entry_without_data(demo):
    import copy

    report = copy.deepcopy(demo[0])
    for ind in report.indicators:       # the workbook's reference column of last year's values
        ind.prior = None
    for name, draw in nc.STANDARD.items():
        fig = draw(report, None)
        labels = [t.get_text() for lg in fig.legends + [a.get_legend() for a in fig.axes if a.get_legend()]
                  for t in lg.get_texts()]
        assert not any(lab.startswith("2023") or lab == "上年" for lab in labels), (name, labels)


def test_zero_only_charts_are_left_out_and_recorded():
    empty = empty_report()
    charts = nc.standard(empty, None)
    assert list(charts) == [] and charts.omitted == list(CHART_TITLES.values())
    charts["图"] = Figure()
    assert list(charts) == ["图"]
    charts[CHART_TITLES["outcomes"]] = Figure()               # drawn after all: no longer omitted
    assert CHART_TITLES["outcomes"] not in charts.omitted


def test_seed_example_without_prior(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        charts = nc.standard(seed_report(), None)
        images = nc.save(charts, tmp_path)
    assert images and all(i.png.stat().st_size > 10_000 for i in images)
    assert set(charts) | set(charts.omitted) == set(CHART_TITLES.values())


def test_save_refuses_what_is_not_a_figure(tmp_path, demo):
    with pytest.raises(TypeError, match="Figure"):
        nc.save({"坏": "not a figure"}, tmp_path)


def test_no_rcparams_leak(drawn):
    _, _, before = drawn
    after = dict(matplotlib.rcParams)
    changed = {k for k in before if before[k] != after[k] and k != "backend"}
    assert not changed


def test_missing_glyph_warning_would_fail(tmp_path):
    """The guard works: a font without CJK glyphs triggers the warning we turn into errors."""
    fig = Figure()
    fig.text(0.5, 0.5, "年报", family="DejaVu Sans")
    with pytest.raises(UserWarning, match="missing from"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            fig.savefig(tmp_path / "x.png")


def test_cjk_font_resolved_and_fontconfig_map_present():
    assert cjk_family()
    conf = fontconfig_file().read_text("utf-8")
    for name in ("方正小标宋简体", "仿宋_GB2312", "仿宋", "黑体", "楷体_GB2312", "楷体", "宋体"):
        assert f">{name}<" in conf, name


def test_seed_prior_loads():
    assert seed_prior() is not None


def test_chartset_records_none_through_every_way_of_assigning():
    a, b = Figure(), Figure()
    charts = nc.ChartSet({"甲": a, "乙": None})
    charts.update({"丙": None, "丁": b})
    assert list(charts) == ["甲", "丁"] and charts.omitted == ["乙", "丙"]
    assert nc.omitted(charts) == ["乙", "丙"] and nc.omitted({"x": a}) == []
