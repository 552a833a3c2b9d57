"""The report as one self-contained HTML page for a 政府网站 disclosure column.

Inline CSS, charts embedded as data: URIs, no external fetches; every staff
text is escaped by Jinja2's autoescape. The markup sits in one
``<article class="nianbao-report">`` so a CMS can paste it into its column.
"""
from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from markupsafe import Markup, escape

from jinja2 import Environment, PackageLoader, select_autoescape

from ..model import Report
from .chartlist import ChartImage
from .context import build_view, unbreakable_parts
from .docx import RenderResult, appendix_note, chart_list, omitted_sentence
from ..fsutil import atomic_write_text

_ENV = Environment(loader=PackageLoader("nianbao.render", "templates"),
                   autoescape=select_autoescape(["html", "j2"], default=True),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _data_uri(path: Path) -> str:
    kind = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _nobr(text: str) -> Markup:
    """Escaped text with phone numbers and e-mail addresses kept on one line."""
    return Markup("").join(Markup('<span class="nobr">{}</span>').format(piece) if keep
                           else escape(piece) for piece, keep in unbreakable_parts(text))


_ENV.filters["nobr"] = _nobr


def html_text(report: Report, prior: Report | None,
              charts: Sequence[ChartImage] | Mapping[str, Path] | None = (),
              omitted: Sequence[str] = ()) -> tuple[str, list]:
    """The page as a string, and the unresolved placeholders."""
    view = build_view(report, prior)
    images = chart_list(charts)
    figures = [{"title": c.title, "src": _data_uri(Path(c.svg or c.png))} for c in images]
    return _ENV.get_template("report.html.j2").render(
        view=view, charts=figures, annex_note=appendix_note(images),
        omitted=omitted_sentence(omitted)), view.problems


def render_html(report: Report, prior: Report | None, out_path: str | os.PathLike,
                charts: Sequence[ChartImage] | Mapping[str, Path] | None = (),
                omitted: Sequence[str] = ()) -> RenderResult:
    """Write the HTML page; returns the path and unresolved placeholders.

    ``charts`` in the order given, each "图N 标题" (SVG if given, else PNG,
    scaled to the screen); ``omitted``: standard charts left out (all zero)."""
    text, problems = html_text(report, prior, charts, omitted)
    atomic_write_text(out_path, text)
    return RenderResult(Path(out_path), problems)
