"""A chart's publication PNG, drawn once and reused for the notebook's
inline display and for ``charts.save``.

Why: drawing is the largest part of nianbao's own work per job. Before, each
chart was drawn ~4 times per job: IPython's inline display renders a PNG
with ``bbox_inches="tight"`` (two draws, zlib level 6), then publication drew
a PNG and an SVG. Now the notebook shows the publication PNG itself (so what
the analyst sees is exactly what is published) and ``save`` reuses its bytes:
one Agg draw plus the SVG per chart.

The publication PNG (``publication_png``): ``fig.savefig`` at ``DPI`` with a
white background, no "Software" metadata, zlib level ``PNG_COMPRESS_LEVEL``,
inside ``rc_context(chart_rc())``, as 8-bit RGB (the alpha channel, opaque on
white, dropped: such a PNG goes into the PDF as it is, ``pdfimages``); the
same pixels as ``charts.save`` wrote before the cache existed (Agg is
deterministic; ``tests/test_charts_once.py``).

When the cached bytes are reused: only when nothing can have changed since
they were drawn, i.e. all of
  - ``fig.stale`` is False (matplotlib sets it on the figure whenever any of
    its artists, its size or dpi changes; we clear it right after our draw),
  - no other draw of the figure happened since ours (a ``draw_event``
    counter: someone else's draw clears ``stale`` too, e.g. ``fig.savefig``
    after a restyle),
  - ``matplotlib.rcParams`` (under ``chart_rc()``) are what they were,
  - no artist is ``animated`` (matplotlib does not propagate their changes).
Otherwise the figure is drawn again. Not seen: in-place changes that bypass
matplotlib's setters (e.g. mutating an array an artist holds); matplotlib
itself does not redraw those reliably either.

The cache lives in a ``WeakKeyDictionary`` beside the figure (nothing is
added to the Figure, so pickling it carries no stale bytes).

Both the PNG and the SVG (``write_svg``, ``publication_svg``) are drawn with
``render.textcache.shared_text_metrics()``: text measurements and font
lookups are shared between draws and charts (same bytes, less CPU).

Notebook display (``register_display``): for the ``image/png`` formatter of
IPython, figures marked as charts (``mark_chart``: drawn by ``nianbao.charts``
or put into a ``ChartSet``) are shown as their publication PNG at
``DISPLAY_CSS_PX_PER_IN`` CSS px per inch (614 px for the 6.4 in charts);
other figures keep the formatter that was registered before (the inline
backend's).
"""
from __future__ import annotations

import io
import os
import struct
import sys
import weakref
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.axis import Axis
from matplotlib.figure import Figure

from ..fsutil import atomic_path
from .fonts import chart_rc
from .textcache import shared_text_metrics

#: Resolution of the published PNG (Word, PDF) and of the SVG's raster parts.
DPI = 150
#: zlib level for the PNGs: 1 is several times faster than the default 6 and
#: flat-colour charts stay small anyway.
PNG_COMPRESS_LEVEL = 1
#: Width of the inline image in the notebook: CSS px per inch of figure
#: (96 = CSS's own inch, so a 6.4 in chart is shown 614 px wide).
DISPLAY_CSS_PX_PER_IN = 96


@dataclass(frozen=True)
class _Drawn:
    png: bytes
    draws: int          # the figure's draw count right after this draw
    rc: dict            # rcParams in effect (under chart_rc())


_drawn: "weakref.WeakKeyDictionary[Figure, _Drawn]" = weakref.WeakKeyDictionary()
_draw_counts: "weakref.WeakKeyDictionary[Figure, int]" = weakref.WeakKeyDictionary()
_charts: "weakref.WeakSet[Figure]" = weakref.WeakSet()


def _count_draw(event) -> None:
    fig = event.canvas.figure
    _draw_counts[fig] = _draw_counts.get(fig, 0) + 1


def _ensure_canvas(fig: Figure) -> None:
    if fig.canvas is None or not hasattr(fig.canvas, "print_png"):
        FigureCanvasAgg(fig)
    if fig not in _draw_counts:
        _draw_counts[fig] = 0
        # canvas callbacks live on the figure, so this survives a canvas switch
        fig.canvas.mpl_connect("draw_event", _count_draw)


def _rc_now() -> dict:
    rc = matplotlib.rcParams
    return {k: rc._get(k) for k in rc if k != "backend"}


def _artists(artist) -> Iterator:
    """The artist and all below it, like ``findobj`` but without creating an
    axis's ticks on the way (``Axis.get_children`` makes them, which marks
    the figure stale)."""
    yield artist
    if isinstance(artist, Axis):
        ticks = artist.__dict__          # the lazy tick lists, only when they exist
        children = [artist.label, artist.offsetText, *ticks.get("majorTicks", []), *ticks.get("minorTicks", [])]
    else:
        children = artist.get_children()
    for child in children:
        yield from _artists(child)


def _has_animated(fig: Figure) -> bool:
    return any(a.get_animated() for a in _artists(fig))


def cached_png(fig: Figure) -> bytes | None:
    """The publication PNG drawn earlier, if the figure cannot have changed
    since (see the module docstring); None otherwise."""
    drawn = _drawn.get(fig)
    if drawn is None or fig.stale or _draw_counts.get(fig) != drawn.draws:
        return None
    with matplotlib.rc_context(chart_rc()):
        if _rc_now() != drawn.rc:
            return None
    return None if _has_animated(fig) else drawn.png


def publication_png(fig: Figure) -> bytes:
    """The figure as the published PNG (bytes), drawn now unless the bytes
    drawn earlier are still current."""
    png = cached_png(fig)
    if png is not None:
        return png
    _ensure_canvas(fig)
    with matplotlib.rc_context(chart_rc()), shared_text_metrics():
        png = _draw_png(fig)
        rc = _rc_now()
    _drawn[fig] = _Drawn(png, _draw_counts[fig], rc)
    # savefig set then restored the background colour, which marks the figure
    # stale although it is as drawn; from here on, stale means "changed".
    fig.stale = False
    return png


def _draw_png(fig: Figure) -> bytes:
    """Draw ``fig`` at ``DPI`` on white; an 8-bit RGB PNG (no alpha channel:
    the white background makes every pixel opaque, and such a PNG goes into
    the PDF as it is, ``pdfimages``). A figure with transparent pixels keeps
    matplotlib's RGBA PNG."""
    from PIL import Image

    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=DPI, facecolor="white")
    width, height = int(fig.get_figwidth() * DPI), int(fig.get_figheight() * DPI)
    if width * height * 4 == raw.getbuffer().nbytes:
        image = Image.frombuffer("RGBA", (width, height), raw.getbuffer(), "raw", "RGBA", 0, 1)
        if image.getextrema()[3][0] == 255:
            buf = io.BytesIO()
            image.convert("RGB").save(buf, format="png", compress_level=PNG_COMPRESS_LEVEL, dpi=(DPI, DPI))
            return buf.getvalue()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None},
                pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()


def write_png(fig: Figure, path: str | os.PathLike) -> Path:
    """``publication_png(fig)`` written atomically to ``path``."""
    path = Path(path)
    png = publication_png(fig)
    with atomic_path(path) as tmp:
        tmp.write_bytes(png)
    return path


def write_svg(fig: Figure, path: str | os.PathLike) -> Path:
    """The figure as SVG at ``path`` (text as paths, matplotlib's default
    ``svg.fonttype``: the readers' browsers lack the fonts); always drawn,
    never cached. A current publication PNG stays current."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _print_svg(fig, tmp)
    return path


def publication_svg(fig: Figure) -> bytes:
    """The figure as the published SVG (bytes), as ``write_svg`` writes it."""
    buf = io.BytesIO()
    _print_svg(fig, buf)
    return buf.getvalue()


def _print_svg(fig: Figure, target) -> None:
    _ensure_canvas(fig)
    current = cached_png(fig) is not None
    with matplotlib.rc_context(chart_rc()), shared_text_metrics():
        fig.savefig(target, format="svg", dpi=DPI, facecolor="white", metadata={"Creator": None, "Date": None})
    if current:                     # our own draw changed nothing: the PNG stays current
        _drawn[fig] = replace(_drawn[fig], draws=_draw_counts[fig])
        fig.stale = False


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR."""
    return struct.unpack(">II", png[16:24])


# --- the notebook's inline display -------------------------------------------

def mark_chart(fig: Figure) -> None:
    """Show this figure in the notebook as its publication PNG."""
    _charts.add(fig)


def is_chart(fig: Figure) -> bool:
    return fig in _charts


class _DisplayPng:
    """IPython ``image/png`` formatter for ``Figure``: the publication PNG
    with a ``width`` for charts, the previous formatter for other figures."""

    def __init__(self, previous):
        self.previous = previous

    def __call__(self, fig):
        if not is_chart(fig):
            return self.previous(fig) if self.previous is not None else None
        png = publication_png(fig)
        width_px, _ = png_size(png)
        return png, {"width": round(width_px / DPI * DISPLAY_CSS_PX_PER_IN)}


def register_display() -> bool:
    """Install the chart display in the running IPython (a notebook kernel);
    idempotent. Returns False outside IPython (nothing to do)."""
    ipython = sys.modules.get("IPython")       # never import IPython just to find out
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        previous = formatter.lookup_by_type(Figure)
    except KeyError:
        previous = None
    if isinstance(previous, _DisplayPng):
        return True
    formatter.for_type(Figure, _DisplayPng(previous))
    return True


__all__ = ["DPI", "PNG_COMPRESS_LEVEL", "DISPLAY_CSS_PX_PER_IN", "publication_png", "cached_png",
           "write_png", "write_svg", "publication_svg", "png_size", "mark_chart", "is_chart", "register_display"]
