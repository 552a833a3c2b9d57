"""Charts: PNGs readable at 15 cm, Chinese glyphs present, no global state leaks."""
from __future__ import annotations

import struct
import warnings

import matplotlib
import pytest
from test_render_support import seed_prior, seed_report

from nianbao.render import render_charts
from nianbao.render.charts import CHARTS, DPI
from nianbao.render.fonts import cjk_family, fontconfig_file


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def charts(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("charts")
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        # "Glyph … missing from current font" means empty boxes: fail.
        warnings.simplefilter("error", UserWarning)
        result = render_charts(seed_report(), seed_prior(), outdir)
    return result, before


def test_every_chart_written_as_png(charts):
    result, _ = charts
    assert set(result) == set(CHARTS)
    for name, path in result.items():
        assert path.name == f"chart-{name}.png"
        width, height = _png_size(path)
        # ≥ 150 dpi at 15 cm wide means at least ~890 px across.
        assert DPI >= 150 and width >= 1100, (name, width)
        assert 0.3 < height / width < 1.6, (name, width, height)


def test_no_rcparams_leak(charts):
    _, before = charts
    after = dict(matplotlib.rcParams)
    changed = {k for k in before if before[k] != after[k] and k != "backend"}
    assert not changed


def test_charts_without_prior_year(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        result = render_charts(seed_report(), None, tmp_path)
    assert all(p.stat().st_size > 10_000 for p in result.values())


def test_missing_glyph_warning_would_fail(tmp_path):
    """The guard works: a font without CJK glyphs triggers the warning we turn into errors."""
    from matplotlib.figure import Figure
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
