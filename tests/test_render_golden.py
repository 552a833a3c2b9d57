"""Golden tests: the rendered seed report compared with committed text files.

To update the golden files after an intended change::

    NIANBAO_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render_golden.py

then review ``git diff tests/golden`` before committing. Golden files: the
seed (zibo-fao-2023) and the demo agency's 2024 report with 2023 as prior. For another example
report, render it and call ``assert_golden("<name>.docx.txt", docx_text(path))``
and ``assert_golden("<name>.html.txt", html_outline(html))``.
"""
from __future__ import annotations

from pathlib import Path

from test_render_support import assert_golden, docx_text, html_outline, seed_prior, seed_report

from nianbao import reportjson
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


DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-agency"


def _demo():
    return reportjson.load(DEMO / "2024.json"), reportjson.load(DEMO / "2023.json")


def test_demo_docx_matches_golden(tmp_path):
    report, prior = _demo()
    result = render_docx(report, prior, tmp_path / "report.docx")
    assert result.problems == []
    assert_golden("demo-agency-2024.docx.txt", docx_text(result.path))


def test_demo_html_matches_golden():
    report, prior = _demo()
    text, problems = html_text(report, prior)
    assert problems == []
    assert_golden("demo-agency-2024.html.txt", html_outline(text))
