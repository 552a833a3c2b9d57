"""Render a report: charts (PNG), Word (GB/T 9704), HTML and PDF.

The job notebook calls these four names; keep them stable.
"""
from .charts import render_charts
from .context import build_view
from .docx import RenderResult, render_docx
from .html import render_html
from .pdf import docx_to_pdf

__all__ = ["render_charts", "render_docx", "render_html", "docx_to_pdf", "build_view",
           "RenderResult"]
