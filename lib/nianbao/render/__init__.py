"""Render a report: charts (PNG), Word (GB/T 9704), HTML and PDF.

The job notebook calls these four names; keep them stable. They are
imported on first use (PEP 562 ``__getattr__``): a command that only needs
``render.fonts`` or ``render.office`` (e.g. ``nianbao run`` before its
kernel starts) does not pay for python-docx, Jinja and the rest.
"""
from __future__ import annotations

import importlib

#: public name -> the submodule that defines it
_EXPORTS = {"ChartImage": "chartlist", "build_view": "context", "RenderResult": "docx", "render_docx": "docx",
            "PdfTextMismatch": "fidelity", "render_html": "html", "PdfConversion": "pdf",
            "docx_to_pdf": "pdf", "fonts_summary": "pdf"}


def render_charts(report, prior, outdir):
    """Draw every chart (see ``charts.render_charts``); imported on use, so
    rendering Word or HTML does not pay for matplotlib."""
    from .charts import render_charts as draw

    return draw(report, prior, outdir)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = ["render_charts", "render_docx", "render_html", "docx_to_pdf", "build_view",
           "RenderResult", "ChartImage", "PdfConversion", "PdfTextMismatch", "fonts_summary"]
