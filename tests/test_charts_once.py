"""Charts drawn once (issue 13): the publication PNG is drawn at the first
inline display or at ``save`` and reused by both, with the published files
what ``save`` wrote before (the SVG byte for byte; the PNG the same pixels,
now 8-bit RGB without the opaque alpha channel, see ``render.pdfimages``);
a figure changed in any way after it was drawn is drawn again, so what the
notebook shows is what is published."""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import matplotlib
import nbformat
import pytest
from PIL import Image
from test_notebook_recipes import notebook_with
from test_render_support import seed_report

from conftest import DEMO_2023, DEMO_2024
from nianbao import charts as nc
from nianbao.render import chartpng
from nianbao.render.chartlist import CHART_TITLES
from nianbao.render.fonts import chart_rc
from nianbao.sources import load_report


def _old_write(fig, path: Path, fmt: str) -> Path:
    """``nianbao.charts._write`` as it was before the cache (commit a942364),
    verbatim but for the names: today's published output, the reference."""
    kw = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
    with matplotlib.rc_context(chart_rc()):
        fig.savefig(path, format=fmt, dpi=150, facecolor="white",
                    metadata={"Software": None} if fmt == "png" else {"Creator": None, "Date": None}, **kw)
    return path


@pytest.fixture(scope="module")
def demo():
    return load_report(DEMO_2024, documents=False), load_report(DEMO_2023)


class Draws:
    """Counts the figure's draws (matplotlib's own ``draw_event``)."""

    def __init__(self, fig):
        self.n = 0
        fig.canvas.mpl_connect("draw_event", self._seen)

    def _seen(self, _event):
        self.n += 1


def assert_same_picture(new: bytes, old: Path) -> None:
    """``new`` is an 8-bit RGB PNG with the pixels and resolution of the RGBA
    PNG ``old``, whose every pixel is opaque."""
    with Image.open(io.BytesIO(new)) as a, Image.open(old) as b:
        assert a.mode == "RGB" and b.mode == "RGBA"
        assert b.getextrema()[3] == (255, 255)
        assert a.size == b.size and a.info.get("dpi") == b.info.get("dpi")
        assert a.tobytes() == b.convert("RGB").tobytes()


def _rgb(png: bytes) -> set[tuple[int, int, int]]:
    with Image.open(io.BytesIO(png)) as im:
        return {c for n, c in im.convert("RGB").getcolors(maxcolors=1 << 20) if n > 500}


BLUE = (0x1f, 0x4e, 0x79)


@pytest.mark.parametrize("case", ["demo with prior", "seed without prior"])
def test_published_png_and_svg_are_todays(case, demo, tmp_path):
    report, prior = demo if case == "demo with prior" else (seed_report(), None)
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    drawn = 0
    for name, draw in nc.STANDARD.items():
        ref = draw(report, prior)
        if ref is None:
            continue
        _old_write(ref, old / f"{name}.png", "png")
        _old_write(ref, old / f"{name}.svg", "svg")
        fig = draw(report, prior)
        chartpng.publication_png(fig)                 # as the notebook's display does first
        [img] = nc.save({name: fig}, new / name)
        assert_same_picture(img.png.read_bytes(), old / f"{name}.png")
        assert img.svg.read_bytes() == (old / f"{name}.svg").read_bytes(), name
        drawn += 1
    assert drawn >= 3


def test_display_then_save_draws_the_png_once(demo, tmp_path):
    fig = nc.active(*demo)
    draws = Draws(fig)
    shown = chartpng.publication_png(fig)
    assert draws.n == 1
    assert chartpng.publication_png(fig) is shown and draws.n == 1
    [img] = nc.save({"表二": fig}, tmp_path)
    assert draws.n == 2                                     # the SVG only
    assert img.png.read_bytes() == shown
    [img] = nc.save({"表二": fig}, tmp_path / "again", svg=False)
    assert draws.n == 2 and img.png.read_bytes() == shown


def test_a_restyled_figure_is_drawn_again(demo, tmp_path):
    fig = nc.outcomes(*demo)
    first = chartpng.publication_png(fig)
    assert BLUE not in _rgb(first)
    for bar in fig.axes[0].containers[-1]:                   # this year's bars
        bar.set_color("#1f4e79")
    assert chartpng.cached_png(fig) is None
    [img] = nc.save({"图": fig}, tmp_path)
    assert BLUE in _rgb(img.png.read_bytes())
    assert_same_picture(img.png.read_bytes(), _old_write(fig, tmp_path / "ref.png", "png"))


def test_a_change_followed_by_someone_elses_draw_is_not_missed(demo, tmp_path):
    """A draw elsewhere (``canvas.draw()``, as an interactive backend or
    ``draw_idle`` does) clears ``stale`` after a change: the draw counter
    still says the cached bytes are older than the change."""
    fig = nc.outcomes(*demo)
    chartpng.publication_png(fig)
    fig.axes[0].containers[-1][0].set_color("#1f4e79")
    fig.canvas.draw()
    assert not fig.stale
    assert chartpng.cached_png(fig) is None
    assert BLUE in _rgb(chartpng.publication_png(fig))


@pytest.mark.parametrize("change", ["size", "text", "rcParams", "animated", "new artist"])
def test_every_kind_of_change_invalidates(change, demo):
    fig = nc.appeals(*demo)
    before = chartpng.publication_png(fig)
    assert chartpng.cached_png(fig) is before
    with matplotlib.rc_context():
        if change == "size":
            fig.set_size_inches(8, 4.6)
        elif change == "text":
            fig.texts[-1].set_text("单位：宗")
        elif change == "rcParams":                       # read at draw time, not at creation
            matplotlib.rcParams["text.hinting"] = "no_hinting"
        elif change == "animated":                       # its changes do not mark the figure stale
            fig.axes[0].patches[0].set_animated(True)
            fig.axes[0].patches[0].set_facecolor("#1f4e79")
            assert not fig.stale
        else:
            fig.text(0.5, 0.5, "DRAFT", fontsize=40)
        assert chartpng.cached_png(fig) is None, change
        after = chartpng.publication_png(fig)
        assert after != before, change


def test_charts_are_marked_for_the_notebook_display():
    from matplotlib.figure import Figure

    own = Figure()
    assert not chartpng.is_chart(own)
    charts = nc.ChartSet()
    charts["分析员的图"] = own
    assert chartpng.is_chart(own)
    assert chartpng.is_chart(nc.outcomes(seed_report(), None))
    assert not chartpng.register_display()                   # no IPython shell in pytest


RESTYLE_AFTER_DISPLAY = """\
fig = charts["政府信息公开申请办理结果"]
for bar in fig.axes[0].containers[-1]:      # shown above in red; restyled after being put in charts
    bar.set_color("#1f4e79")
fig
"""


def _shown_png(cell) -> tuple[bytes, dict]:
    [out] = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    return base64.b64decode(out["data"]["image/png"]), out.get("metadata", {}).get("image/png", {})


ADDED = """\
added, ax = plt.subplots()                  # the README's recipe: an analyst's own chart
ax.bar(["甲", "乙"], [1, 2])
charts["分析员追加图表"] = added
"""

EXPLORATORY = """\
probe, ax = plt.subplots()                  # looked at, not published
ax.plot([1, 2], [3, 1])
"""


def test_notebook_shows_what_is_published_even_when_restyled_later(tmp_path, cli):
    """Through the real ``nianbao run --notebook``: the inline images are the
    publication PNGs (with a display width); the chart restyled after
    ``charts[...] = fig`` and after its first display is published restyled,
    exactly as its second display shows it; an analyst's added chart is shown
    as published; a figure kept out of ``charts`` keeps the inline look."""
    path = notebook_with(tmp_path, before="图表·申请人", source=RESTYLE_AFTER_DISPLAY)
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("papermill_description") == "生成报告")
    nb.cells[at:at] = [nbformat.v4.new_code_cell(ADDED), nbformat.v4.new_code_cell(EXPLORATORY)]
    nbformat.write(nb, path)
    out = tmp_path / "out"
    code, stdout, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "-q", "--formats", "html",
                            "--notebook", path)
    assert code == 0, stdout + err
    executed = nbformat.read(out / "notebook.ipynb", as_version=4)
    cells = {c.metadata.get("papermill_description"): c for c in executed.cells if c.cell_type == "code"}
    by_source = {c.source.strip(): c for c in executed.cells if c.cell_type == "code"}
    published = [(out / "charts" / f"chart-{i}.png").read_bytes() for i in range(1, 7)]

    first, meta = _shown_png(cells["图表·办理结果"])
    assert meta == {"width": 614}                       # 960 px shown at 6.4 CSS inches
    again, _ = _shown_png(by_source[RESTYLE_AFTER_DISPLAY.strip()])
    assert BLUE not in _rgb(first) and BLUE in _rgb(again)
    assert published[0] == again
    for i, step in enumerate(["图表·申请人", "图表·主动公开", "图表·复议诉讼", "图表·工作指标"], 2):
        assert _shown_png(cells[step])[0] == published[i - 1], step
    added, meta = _shown_png(by_source[ADDED.strip()])
    assert added == published[5] and meta == {"width": 614}
    probe, meta = _shown_png(by_source[EXPLORATORY.strip()])
    assert "width" not in meta and probe not in published
    svg = (out / "charts" / "chart-1.svg").read_text(encoding="utf-8")
    assert "#1f4e79" in svg
    html = (out / "notebook.html").read_text(encoding="utf-8")
    assert len(re.findall(r'width="?614\b', html)) == 7, "the inline images of charts carry their display width"
