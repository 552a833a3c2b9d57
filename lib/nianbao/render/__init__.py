"""Render a report: charts (PNG), Word (GB/T 9704), HTML and PDF.

The job notebook calls these four names; keep them stable.
"""
from .chartlist import ChartImage
from .context import build_view
from .docx import RenderResult, render_docx
from .fidelity import PdfTextMismatch
from .html import render_html
from .pdf import PdfConversion, docx_to_pdf, fonts_summary



def render_charts(report, prior, outdir):
    """Draw every chart (see ``charts.render_charts``); imported on use, so
    rendering Word or HTML does not pay for matplotlib."""
    from .charts import render_charts as draw

    return draw(report, prior, outdir)


__all__ = ["render_charts", "render_docx", "render_html", "docx_to_pdf", "build_view",
           "RenderResult", "ChartImage", "PdfConversion", "PdfTextMismatch", "fonts_summary"]
