"""Golden tests: the rendered seed report compared with committed text files.

To update the golden files after an intended change::

    NIANBAO_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render_golden.py

then review ``git diff tests/golden`` before committing. For another example
report, render it and call ``assert_golden("<name>.docx.txt", docx_text(path))``
and ``assert_golden("<name>.html.txt", html_outline(html))``.
"""
from __future__ import annotations

from test_render_support import assert_golden, docx_text, html_outline, seed_prior, seed_report

from nianbao.render import render_docx
from nianbao.render.html import html_text


def test_seed_docx_matches_golden(tmp_path):
    result = render_docx(seed_report(), seed_prior(), tmp_path / "report.docx")
    assert result.problems == []
    assert_golden("zibo-fao-2023.docx.txt", docx_text(result.path))


def test_seed_html_matches_golden():
    text, problems = html_text(seed_report(), seed_prior())
    assert problems == []
    assert_golden("zibo-fao-2023.html.txt", html_outline(text))
