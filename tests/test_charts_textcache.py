"""Charts cost less CPU, same look (issue 13): text measurements and font
lookups shared between draws (``render.textcache``) and a template process
warmed before it forks kernels (``render.chartwarm``). The published bytes
are those matplotlib draws on its own, whatever the cache holds."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import matplotlib
import matplotlib.text as mtext
import pytest
from matplotlib import font_manager
from test_render_support import seed_report

from conftest import DEMO_2023, DEMO_2024
from nianbao import charts as nc
from nianbao.render import chartpng, chartwarm, textcache
from nianbao.render.fonts import chart_rc
from nianbao.sources import load_report


@pytest.fixture(scope="module")
def demo():
    return load_report(DEMO_2024, documents=False), load_report(DEMO_2023)


def _plain(fig, fmt: str) -> bytes:
    """What matplotlib alone draws (no shared caches): the reference. The PNG
    is encoded as the publication PNG is (8-bit RGB, ``chartpng._draw_png``)."""
    import io

    buf = io.BytesIO()
    with matplotlib.rc_context(chart_rc()):
        if fmt == "png":
            return chartpng._draw_png(fig)
        fig.savefig(buf, format=fmt, dpi=150, facecolor="white", metadata={"Creator": None, "Date": None})
    return buf.getvalue()


def _counts() -> tuple[int, int]:
    s = textcache.stats()
    return s["hits"], s["misses"]


@pytest.mark.parametrize("case", ["demo with prior", "seed without prior"])
def test_answers_from_the_cache_draw_the_same_bytes(case, demo):
    report, prior = demo if case == "demo with prior" else (seed_report(), None)
    chartwarm.warm(2024)                                   # the standard labels are measured
    for name, draw in nc.STANDARD.items():
        fig = draw(report, prior)
        if fig is None:
            continue
        hits, _ = _counts()
        png, svg = chartpng.publication_png(fig), chartpng.publication_svg(fig)
        assert _counts()[0] > hits + 10, name             # really answered from the cache
        ref = draw(report, prior)
        assert png == _plain(ref, "png"), name
        assert svg == _plain(ref, "svg"), name


def test_a_second_draw_of_the_same_chart_measures_nothing_again(demo):
    for _ in range(2):
        _, misses = _counts()
        chartpng.publication_png(nc.outcomes(*demo))
        chartpng.publication_svg(nc.outcomes(*demo))
    assert _counts()[1] == misses and _counts()[0] > 0


@pytest.mark.parametrize("rc", [{"text.hinting": "no_hinting"}, {"text.hinting": "auto"}])
def test_changed_font_settings_are_measured_afresh(rc, demo):
    """Measured under the default settings first; under others the answers
    are matplotlib's own again."""
    default = chartpng.publication_png(nc.appeals(*demo))
    with matplotlib.rc_context(rc):
        fig = nc.appeals(*demo)
        png = chartpng.publication_png(fig)
        assert png == _plain(nc.appeals(*demo), "png")
    assert png != default


def test_the_context_restores_matplotlib_even_on_error(demo):
    before_metrics = mtext._get_text_metrics_with_cache
    fm = font_manager.fontManager
    with pytest.raises(RuntimeError):
        with textcache.shared_text_metrics():
            with textcache.shared_text_metrics():              # re-entrant
                assert mtext._get_text_metrics_with_cache is not before_metrics
                assert "_find_fonts_by_props" in fm.__dict__
            assert mtext._get_text_metrics_with_cache is not before_metrics
            raise RuntimeError("boom")
    assert mtext._get_text_metrics_with_cache is before_metrics
    assert "_find_fonts_by_props" not in fm.__dict__


def test_other_renderers_are_measured_by_matplotlib(demo, tmp_path):
    fig = nc.outcomes(*demo)
    counts = _counts()
    with matplotlib.rc_context(chart_rc()), textcache.shared_text_metrics():
        fig.savefig(tmp_path / "x.pdf")
    assert _counts() == counts
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")


def test_warm_draws_in_memory_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    threads = threading.active_count()
    textcache.clear()
    seconds = chartwarm.warm()
    assert seconds > 0
    assert list(tmp_path.iterdir()) == [] and threading.active_count() == threads
    assert textcache.stats()["entries"] > 100
    report = chartwarm.sample_report(2024)
    assert report.year == 2024 and report.num("requests.new_received.total") == 1
    assert all(nc.STANDARD[name](report, chartwarm.sample_report(2023)) is not None for name in nc.STANDARD)


FORKED = textwrap.dedent("""\
    import hashlib, json, os, sys
    from nianbao import charts as nc
    from nianbao.render import chartpng, chartwarm, textcache
    from nianbao.sources import load_report
    if sys.argv[3] == "warm":
        chartwarm.warm(2024)
    before = textcache.stats()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # a kernel forked from the template
        os.close(read)
        report, prior = load_report(sys.argv[1], documents=False), load_report(sys.argv[2])
        digest = hashlib.sha256()
        for draw in nc.STANDARD.values():
            fig = draw(report, prior)
            digest.update(chartpng.publication_png(fig) + chartpng.publication_svg(fig))
        after = textcache.stats()
        os.write(write, json.dumps({"digest": digest.hexdigest(), "hits": after["hits"] - before["hits"],
                                    "misses": after["misses"] - before["misses"]}).encode())
        os._exit(0)
    os.close(write)
    out = b""
    while chunk := os.read(read, 65536):
        out += chunk
    os.waitpid(pid, 0)
    print(out.decode())
""")


def test_a_kernel_forked_after_warm_draws_the_same_charts_measuring_less(demo, tmp_path):
    """A real fork, as the batch's fork server does: the child inherits the
    measurements and draws byte-for-byte what a cold process draws."""
    script = tmp_path / "forked.py"
    script.write_text(FORKED, encoding="utf-8")
    runs = {}
    for mode in ("cold", "warm"):
        out = subprocess.run([sys.executable, str(script), str(DEMO_2024), str(DEMO_2023), mode],
                             capture_output=True, text=True, timeout=300, check=True).stdout
        runs[mode] = json.loads(out.strip().splitlines()[-1])
    digest = hashlib.sha256()
    for draw in nc.STANDARD.values():
        fig = draw(*demo)
        digest.update(_plain(fig, "png") + _plain(fig, "svg"))
    assert runs["cold"]["digest"] == runs["warm"]["digest"] == digest.hexdigest()
    assert runs["warm"]["misses"] < runs["cold"]["misses"] * 0.6, runs
    assert runs["warm"]["hits"] > runs["cold"]["hits"], runs


def _holds_a_font(value) -> bool:
    from matplotlib.ft2font import FT2Font

    if isinstance(value, FT2Font):
        return True
    if isinstance(value, dict):
        return any(_holds_a_font(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_a_font(v) for v in value)
    if isinstance(value, textcache._FontTables):
        return _holds_a_font(value.__dict__)
    return False


def test_nothing_cached_holds_a_font_object(demo):
    """A forked kernel must open its own fonts (FreeType reads the file
    through the descriptor: shared, its offset would be shared too)."""
    chartwarm.warm(2024)
    caches = list(textcache._caches.values())
    assert caches and sum(len(c) for c in caches) > 100
    assert not any(_holds_a_font(k) or _holds_a_font(v) for c in caches for k, v in c.items())
    kinds = {k[0] for c in caches for k in c}
    assert kinds == {"m", "f", "t", "g", "a"}, kinds   # measurements, lookups, tables, SVG and PNG glyphs


def test_a_string_needing_the_fallback_font_is_drawn_by_matplotlib(demo):
    """"Ᵽ" is not in the CJK font but in DejaVu Sans (chart_rc's second
    family): its glyphs are never taken from the cache."""
    fig = nc.appeals(*demo)
    fig.texts[-1].set_text("单位：件 Ᵽ⌀")
    with matplotlib.rc_context(chart_rc()):              # the text's font is fixed when it is made
        fig.text(0.5, 0.5, "单位：万件")                 # drawn from the first font: cached
    svg, png = chartpng.publication_svg(fig), chartpng.publication_png(fig)
    assert svg == _plain(fig, "svg") and png == _plain(fig, "png")
    assert b"DejaVuSans" in svg
    for kind, at in (("g", 6), ("a", 6)):
        keys = [k for c in textcache._caches.values() for k in c if k[0] == kind]
        assert keys and not any("Ᵽ" in k[at] for k in keys), kind
        assert any(k[at] == "单位：万件" for k in keys), kind


def test_warm_never_stops_the_template(monkeypatch):
    """Without a CJK font (or any drawing error) warming is skipped, and
    matplotlib is left as it was."""
    from nianbao.errors import JobError, Problem

    def no_font(*_):
        raise JobError(Problem("no-cjk-font", "找不到可显示中文的字体"))

    monkeypatch.setitem(nc.STANDARD, "appeals", no_font)
    before = mtext._get_text_metrics_with_cache
    assert chartwarm.warm(2024) is None
    assert mtext._get_text_metrics_with_cache is before
    assert "_find_fonts_by_props" not in font_manager.fontManager.__dict__


def test_patches_this_matplotlib_does_not_use_as_expected_are_left_out(demo, monkeypatch):
    """On a matplotlib whose text layout or Agg drawing works otherwise
    (checked from their source), only the measurements are shared."""
    from matplotlib.backends.backend_agg import RendererAgg

    assert textcache._uses() == {"tables": True, "agg layout": True}     # this matplotlib
    monkeypatch.setattr(textcache, "_uses", lambda: {"tables": False, "agg layout": False})
    get_font, prepare = mtext.get_font, RendererAgg._prepare_font
    with textcache.shared_text_metrics():
        assert mtext.get_font is get_font and RendererAgg._prepare_font is prepare
        assert mtext._get_text_metrics_with_cache is not None
    fig = nc.active(*demo)
    assert chartpng.publication_png(fig) == _plain(fig, "png")
