"""checks.xlsx (the annotated copy's 校验结果 sheet) as staff print it:
columns sized to their content, rows tall enough, a styled header."""
from __future__ import annotations

import re
import shutil
import subprocess
from itertools import combinations

import openpyxl
import pytest
from conftest import DEMO_2023, DEMO_2024, edited_copy

from nianbao.check import run_checks
from nianbao.check.annotate import RESULT_SHEET, text_width, write_annotated
from nianbao.render.pdf import find_soffice
from nianbao.workbook.reader import read_workbook


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    out = tmp_path_factory.mktemp("checks")
    bad = edited_copy(DEMO_2024, out / "bad.xlsx", requests__new_received__commercial=12,
                      active__regulations__issued=3, appeals__review__corrected=5)
    result = run_checks(read_workbook(bad), read_workbook(DEMO_2023))
    assert len(result.findings) >= 3
    return write_annotated(bad, result, out / "checks.xlsx")


def test_header_styled_and_columns_fit_their_content(checks):
    ws = openpyxl.load_workbook(checks)[RESULT_SHEET]
    head = ws[1]
    assert all(c.font.bold and c.fill.fgColor.rgb.endswith("1F4E79") for c in head)
    assert ws.print_title_rows == "$1:$1"
    for row in ws.iter_rows(min_row=2):
        loc = row[2]
        if loc.hyperlink is not None:       # printed on one line by LibreOffice: must fit
            assert text_width(loc.value) <= ws.column_dimensions["C"].width, loc.value
        assert ws.row_dimensions[row[0].row].height >= 15


@pytest.mark.skipif(find_soffice() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler-utils not installed")
def test_printed_rows_do_not_overlap(checks):
    subprocess.run([find_soffice(), f"-env:UserInstallation=file://{checks.parent}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(checks.parent), str(checks)],
                   check=True, capture_output=True, timeout=180)
    pdf = checks.with_suffix(".pdf")
    xml = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox-layout", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    boxes = [tuple(float(v) for v in m) for m in re.findall(
        r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', xml)]
    assert len(boxes) > 20
    for a, b in combinations(boxes, 2):
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        assert w <= 2 or h <= 2, f"printed text overlaps: {a} {b}"   # line boxes touch by ~1 pt
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    ws = openpyxl.load_workbook(checks)[RESULT_SHEET]
    for row in ws.iter_rows(min_row=2):
        message = "".join(str(row[7].value).split())
        assert message[:20] in text and message[-20:] in text, message
