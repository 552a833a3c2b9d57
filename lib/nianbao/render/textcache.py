"""Text measurements shared between a chart's draws (issue 13: drawing costs
less CPU, same pixels).

Why: measuring text is the largest part of drawing our charts. matplotlib
keeps its text-metrics cache per *renderer instance* (a new one for every
PNG and every SVG), so the same label ("予以公开", "单位：件", the "lp"
probe of every font size …) is measured again, glyph by glyph through
FreeType, in every draw of every chart; and every text looks its font up
again (``FontManager._find_fonts_by_props``, ~40 µs of key building even
when matplotlib's own ``findfont`` cache hits).

What: inside ``shared_text_metrics()`` (our own ``savefig`` calls only,
``render.chartpng``), both are answered from caches that outlive the
renderer:

- text metrics (width, height, descent in pixels), keyed by the effective
  renderer's class (``RendererAgg`` or ``RendererSVG``, also inside
  matplotlib's ``MixedModeRenderer``) and dpi, the string, the font
  properties, the math mode and the figure dpi; any other renderer is
  measured by matplotlib as before;
- font lookups (the list of font files for a ``FontProperties``).

Both are also keyed by every ``font.*``, ``text.*`` and ``mathtext.*``
rcParam and the font manager's font lists, so a change of font settings
is never answered from the cache. The values are what matplotlib computes
(deterministic), so the pixels and bytes drawn are unchanged
(``tests/test_charts_once.py``, ``tests/test_charts_textcache.py``).

Process-wide, bounded (``MAX_ENTRIES`` per rc setting, emptied when full),
plain Python data: a process forked after ``render.chartwarm.warm()``
starts with the standard labels measured. The patched functions are
matplotlib internals (``matplotlib.text._get_text_metrics_with_cache``,
``FontManager._find_fonts_by_props``, stable since matplotlib 3.6); when
they are missing the context does nothing.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import matplotlib
import matplotlib.text as mtext
from matplotlib import font_manager

#: Entries kept per rc setting before the cache is emptied (a job uses ~300).
MAX_ENTRIES = 20_000
#: rcParams whose value can change a measurement or a font lookup.
RC_PREFIXES = ("font.", "text.", "mathtext.")

_lock = threading.RLock()
_depth = 0
_saved: tuple | None = None
_caches: dict[tuple, dict] = {}          # rc key -> {measurement key: value}
_counts = {"hits": 0, "misses": 0}


def _renderer_kinds() -> tuple[type, ...]:
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.backends.backend_svg import RendererSVG

    return RendererAgg, RendererSVG


def _mixed() -> type:
    from matplotlib.backends.backend_mixed import MixedModeRenderer

    return MixedModeRenderer


def _rc_key() -> tuple:
    rc = matplotlib.rcParams
    fm = font_manager.fontManager
    items = tuple((k, tuple(v) if isinstance(v, list) else v)
                  for k in sorted(rc) if k.startswith(RC_PREFIXES) for v in [rc._get(k)])
    return items, id(fm), len(fm.ttflist), len(fm.afmlist)


def _cache() -> dict:
    key = _rc_key()
    cache = _caches.get(key)
    if cache is None or len(cache) >= MAX_ENTRIES:
        if len(_caches) >= 4:                         # a few rc settings at most
            _caches.clear()
        cache = _caches[key] = {}
    return cache


def _patched(cache: dict, kinds: tuple[type, ...], mixed: type, metrics, find):
    def metrics_cached(renderer, text, fontprop, ismath, dpi):
        # the renderer that measures: the vector or raster one inside a MixedModeRenderer
        eff = renderer._renderer if type(renderer) is mixed else renderer
        kind = type(eff)
        if kind not in kinds:                         # exact classes only: a subclass may measure otherwise
            return metrics(renderer, text, fontprop, ismath, dpi)
        prop = fontprop.copy()                        # FontProperties is mutable; its hash follows its state
        key = ("m", kind, getattr(eff, "dpi", None), text, prop, ismath, dpi)
        try:
            value = cache[key]
        except KeyError:
            _counts["misses"] += 1
            value = cache[key] = metrics(renderer, text, fontprop, ismath, dpi)
        else:
            _counts["hits"] += 1
        return value

    def find_cached(prop, fontext="ttf", directory=None, fallback_to_default=True, rebuild_if_missing=True):
        key = ("f", prop.copy(), fontext, directory, fallback_to_default, rebuild_if_missing)
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = find(prop, fontext, directory, fallback_to_default, rebuild_if_missing)
            return value

    return metrics_cached, find_cached


@contextmanager
def shared_text_metrics() -> Iterator[None]:
    """Answer text measurements and font lookups from the shared caches
    while inside (re-entrant; other threads drawing meanwhile get the same,
    correct, answers). Use around a ``savefig`` under the rcParams it draws
    with: the rc key is taken when the outermost context is entered."""
    global _depth, _saved
    metrics = getattr(mtext, "_get_text_metrics_with_cache", None)
    fm = font_manager.fontManager
    if metrics is None or not hasattr(fm, "_find_fonts_by_props"):
        yield
        return
    with _lock:
        if _depth == 0:
            cache = _cache()
            new_metrics, new_find = _patched(cache, _renderer_kinds(), _mixed(), metrics, fm._find_fonts_by_props)
            _saved = (metrics, fm)
            mtext._get_text_metrics_with_cache = new_metrics
            fm._find_fonts_by_props = new_find           # an instance attribute, shadowing the method
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                metrics, fm = _saved
                mtext._get_text_metrics_with_cache = metrics
                fm.__dict__.pop("_find_fonts_by_props", None)
                _saved = None


def clear() -> None:
    """Forget every cached measurement (and the hit counts)."""
    with _lock:
        _caches.clear()
        _counts.update(hits=0, misses=0)


def stats() -> dict[str, int]:
    """``{"hits": n, "misses": n, "entries": n}`` since the last ``clear()``."""
    with _lock:
        return {**_counts, "entries": sum(len(c) for c in _caches.values())}


__all__ = ["shared_text_metrics", "clear", "stats", "MAX_ENTRIES", "RC_PREFIXES"]
