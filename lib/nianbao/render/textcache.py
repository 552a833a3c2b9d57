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
- font lookups (the list of font files for a ``FontProperties``);
- the font-wide heights every text's layout reads (the ``OS/2``, ``hhea``
  and ``head`` tables, through ``matplotlib.text.get_font``);
- the glyph positions of a string: the SVG's, with the glyph outlines
  (``TextToPath.get_glyphs_with_font``), and the PNG's (the layout of
  ``RendererAgg``'s font, ``_prepare_font``), only for strings whose every
  character is in the first font (so no fallback font is involved).

Nothing cached holds a FreeType font object: a forked process never reads
a font file through its parent's file descriptor.

Both are also keyed by every ``font.*``, ``text.*`` and ``mathtext.*``
rcParam and the font manager's font lists, so a change of font settings
is never answered from the cache. The values are what matplotlib computes
(deterministic), so the pixels and bytes drawn are unchanged
(``tests/test_charts_once.py``, ``tests/test_charts_textcache.py``).

Process-wide, bounded (``MAX_ENTRIES`` per rc setting, emptied when full),
plain Python data: a process forked after ``render.chartwarm.warm()``
starts with the standard labels measured. The patched functions are
matplotlib internals (``matplotlib.text._get_text_metrics_with_cache``,
``FontManager._find_fonts_by_props``, both since matplotlib 3.6; also
``matplotlib.text.get_font``, ``TextToPath.get_glyphs_with_font`` and
``RendererAgg._prepare_font`` when present); when the first two are missing the context does nothing.
"""
from __future__ import annotations

import functools
import inspect
import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator, NamedTuple

import matplotlib
import matplotlib.text as mtext
from matplotlib import font_manager
from matplotlib.textpath import TextToPath

#: Entries kept per rc setting before the cache is emptied (one job's five
#: charts make ~200; a glyph entry holds outlines of a few KiB).
MAX_ENTRIES = 5_000
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
            value = cache[key]
        except KeyError:
            value = cache[key] = find(prop, fontext, directory, fallback_to_default, rebuild_if_missing)
        return list(value)                            # the caller's own list, as matplotlib gives

    return metrics_cached, find_cached


class _FontTables:
    """What ``Text._get_layout`` reads of a font: its sfnt tables, read
    once; anything else is asked of the font itself, opened on use."""

    TABLES = ("OS/2", "hhea", "head")

    def __init__(self, get_font, args: tuple, kwargs: dict):
        self._get_font, self._args, self._kwargs = get_font, args, kwargs
        font = get_font(*args, **kwargs)
        self._tables = {name: font.get_sfnt_table(name) for name in self.TABLES}

    def get_sfnt_table(self, name):
        if name in self._tables:
            return self._tables[name]
        return self._get_font(*self._args, **self._kwargs).get_sfnt_table(name)

    def __getattr__(self, name):
        return getattr(self._get_font(*self._args, **self._kwargs), name)


def _tables_patch(cache: dict, get_font):
    def get_font_tables(font_filepaths, *args, **kwargs):
        paths = font_filepaths if isinstance(font_filepaths, (str, bytes, os.PathLike)) else tuple(font_filepaths)
        key = ("t", paths, args, tuple(sorted(kwargs.items())))
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = _FontTables(get_font, (font_filepaths, *args), kwargs)
            return value

    return get_font_tables


def _glyphs_patch(cache: dict, original):
    def get_glyphs_with_font(self, font, s, glyph_map=None, return_new_glyphs_only=False, *,
                             features=None, language=None):
        kw = {k: v for k, v in (("features", features), ("language", language)) if v is not None}
        if not all(font.get_char_index(ord(c)) for c in s):     # a fallback font may be involved
            return original(self, font, s, glyph_map, return_new_glyphs_only, **kw)
        key = ("g", font.fname, getattr(font, "face_index", 0), font.postscript_name, self.FONT_SCALE,
               self.DPI, s, None if features is None else tuple(features),
               language if language is None or isinstance(language, str) else tuple(language))
        try:
            glyph_info, paths = cache[key]
        except KeyError:
            glyph_info, paths, rects = original(self, font, s, None, False, **kw)
            if rects:                                           # not a plain string: not cached
                return original(self, font, s, glyph_map, return_new_glyphs_only, **kw)
            cache[key] = glyph_info, paths
        if glyph_map is None:
            glyph_map = OrderedDict()
        new = OrderedDict() if return_new_glyphs_only else glyph_map
        for glyph_repr, *_ in glyph_info:
            if glyph_repr not in glyph_map and glyph_repr not in new:
                new[glyph_repr] = paths[glyph_repr]
        return list(glyph_info), new, []

    return get_glyphs_with_font


class _Laid(NamedTuple):
    """One glyph of a cached layout: what ``RendererAgg.draw_text`` reads
    of matplotlib's ``LayoutItem``."""

    ft_object: object
    char: str
    glyph_index: int
    x: float
    y: float
    prev_kern: float


class _AggFont:
    """``RendererAgg``'s font with its text layout (glyph positions)
    answered from the cache; everything else is the font's own."""

    __slots__ = ("_font", "_cache", "_size")

    def __init__(self, font, cache: dict, size: tuple):
        self._font, self._cache, self._size = font, cache, size

    def _layout(self, string, flags, *, features=None, language=None):
        font = self._font
        if not all(font.get_char_index(ord(c)) for c in string):    # a fallback font may be involved
            return font._layout(string, flags, features=features, language=language)
        key = ("a", font.fname, font.face_index, font.postscript_name, self._size, flags, string,
               None if features is None else tuple(features),
               language if language is None or isinstance(language, str) else tuple(language))
        try:
            rows = self._cache[key]
        except KeyError:
            items = font._layout(string, flags, features=features, language=language)
            if any(item.ft_object is not font for item in items):
                return items
            rows = self._cache[key] = tuple((i.char, i.glyph_index, i.x, i.y, i.prev_kern) for i in items)
        return [_Laid(font, *row) for row in rows]

    def __getattr__(self, name):
        return getattr(self._font, name)


def _agg_patch(cache: dict, prepare_font):
    def _prepare_font(self, font_prop):
        return _AggFont(prepare_font(self, font_prop), cache, (font_prop.get_size_in_points(), self.dpi))

    return _prepare_font


@functools.lru_cache(maxsize=1)
def _uses() -> dict[str, bool]:
    """Whether this matplotlib uses the functions patched as this module
    expects (3.11: ``Text._get_layout`` reads sfnt tables through
    ``get_font``; ``RendererAgg.draw_text`` lays text out with
    ``font._layout``). Read from their source; False when unreadable."""
    def source(fn) -> str:
        try:
            return inspect.getsource(fn)
        except (OSError, TypeError):
            return ""

    agg = _renderer_kinds()[0]
    draw_text = source(agg.draw_text)
    return {"tables": "get_sfnt_table" in source(mtext.Text._get_layout),
            "agg layout": "font._layout(" in draw_text and "draw_text_image(font" not in draw_text}


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
            agg = _renderer_kinds()[0]
            _saved = (metrics, fm, mtext.__dict__.get("get_font"), TextToPath.__dict__.get("get_glyphs_with_font"),
                      agg, agg.__dict__.get("_prepare_font"))
            mtext._get_text_metrics_with_cache = new_metrics
            fm._find_fonts_by_props = new_find           # an instance attribute, shadowing the method
            uses = _uses()
            if _saved[2] is not None and uses["tables"]:
                mtext.get_font = _tables_patch(cache, _saved[2])
            if _saved[3] is not None:
                TextToPath.get_glyphs_with_font = _glyphs_patch(cache, _saved[3])
            if _saved[5] is not None and uses["agg layout"]:
                agg._prepare_font = _agg_patch(cache, _saved[5])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                metrics, fm, get_font, glyphs, agg, prepare_font = _saved
                mtext._get_text_metrics_with_cache = metrics
                fm.__dict__.pop("_find_fonts_by_props", None)
                if get_font is not None:
                    mtext.get_font = get_font
                if glyphs is not None:
                    TextToPath.get_glyphs_with_font = glyphs
                if prepare_font is not None:
                    agg._prepare_font = prepare_font
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
