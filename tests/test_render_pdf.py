"""PDF through headless LibreOffice: one conversion, Chinese text really there."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from pypdf import PdfReader
from test_render_support import seed_prior, seed_report

from nianbao.render import docx_to_pdf, render_docx
from nianbao.render.pdf import find_soffice

pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    docx = render_docx(seed_report(), seed_prior(), out / "report.docx").path
    return docx_to_pdf(docx, out / "report.pdf", timeout=180)


def test_pdf_text_layer_has_chinese_title(pdf):
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 4
    first = "".join(reader.pages[0].extract_text().split())
    assert "淄博市人民政府外事办公室" in first
    assert "2023年政府信息公开工作年度报告" in first
    fonts = {f.get("/BaseFont", "") for p in reader.pages[:1]
             for f in p["/Resources"]["/Font"].get_object().values()
             for f in [f.get_object()]}
    assert any("CJK" in str(f) or "UKai" in str(f) for f in fonts), fonts


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_first_page_rasterises(pdf):
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(pdf.with_name("page"))], check=True, timeout=60)
    pngs = list(pdf.parent.glob("page*.png"))
    assert pngs and pngs[0].stat().st_size > 5_000


def test_only_the_pdf_is_left_behind(pdf):
    assert sorted(p.name for p in pdf.parent.iterdir() if not p.name.startswith("page")) == \
        ["report.docx", "report.pdf"]
