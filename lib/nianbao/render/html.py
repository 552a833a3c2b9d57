"""The report as one self-contained HTML page for a 政府网站 disclosure column.

Inline CSS, charts embedded as data: URIs, no external fetches; every staff
text is escaped by Jinja2's autoescape. The markup sits in one
``<article class="nianbao-report">`` so a CMS can paste it into its column.
"""
from __future__ import annotations

import base64
import os
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..model import Report
from .chartlist import CHART_TITLES, ordered_charts
from .context import build_view
from .docx import RenderResult
from ..fsutil import atomic_write_text

_ENV = Environment(loader=PackageLoader("nianbao.render", "templates"),
                   autoescape=select_autoescape(["html", "j2"], default=True),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def html_text(report: Report, prior: Report | None, charts: dict[str, Path] | None = None
              ) -> tuple[str, list]:
    """The page as a string, and the unresolved placeholders."""
    view = build_view(report, prior)
    figures = [{"title": CHART_TITLES.get(n, n), "src": _data_uri(Path(charts[n]))}
               for n in ordered_charts(charts or {})]
    return _ENV.get_template("report.html.j2").render(view=view, charts=figures), view.problems


def render_html(report: Report, prior: Report | None, out_path: str | os.PathLike,
                charts: dict[str, Path] | None = None) -> RenderResult:
    """Write the HTML page; returns the path and unresolved placeholders."""
    text, problems = html_text(report, prior, charts)
    atomic_write_text(out_path, text)
    return RenderResult(Path(out_path), problems)
