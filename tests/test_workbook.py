"""The standard workbook: generated template, lossless JSON round trip, the
examples, and how staff's typing is read."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import DEMO_2024, EXAMPLES, ROOT, SAMPLE_JSONS, SEED_JSON, ZIBO_2023, has_soffice, load_json, edited_copy
from nianbao import reportjson
from nianbao.format import FORMAT
from nianbao.values import NotApplicable
from nianbao.workbook import layout
from nianbao.workbook.reader import read_workbook
from nianbao.workbook.writer import write_template, write_workbook


def _zip_members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def test_committed_template_is_current(tmp_path):
    fresh = write_template(tmp_path / "report.xlsx")
    assert _zip_members(fresh) == _zip_members(ROOT / "templates" / "report.xlsx"), \
        "templates/report.xlsx is stale: run scripts/build-examples"


@pytest.mark.parametrize("source", sorted(EXAMPLES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_examples_are_current(source, tmp_path):
    report = reportjson.load(source)
    fresh = write_workbook(report, tmp_path / "x.xlsx")
    assert _zip_members(fresh) == _zip_members(source.with_suffix(".xlsx")), \
        f"{source.with_suffix('.xlsx')} is stale: run scripts/build-examples"
    assert reportjson.to_dict(read_workbook(source.with_suffix(".xlsx"))) == load_json(source)


def test_export_zibo_gives_the_seed_figures(tmp_path):
    out = tmp_path / "zibo.json"
    proc = subprocess.run([sys.executable, "-m", "nianbao", "export", str(ZIBO_2023), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    exported = load_json(out)
    seed = load_json(SEED_JSON)
    assert {k: exported[k] for k in seed} == seed


def test_export_to_stdout(cli):
    code, out, _ = cli("export", ZIBO_2023)
    assert code == 0 and '"agency": "淄博市人民政府外事办公室"' in out


@pytest.mark.parametrize("path", SAMPLE_JSONS, ids=lambda p: p.parent.name)
def test_json_workbook_json_is_lossless(path, tmp_path, cli):
    xlsx = tmp_path / "r.xlsx"
    code, _, err = cli("import", path, "-o", xlsx)
    assert code == 0, err
    code, out, err = cli("export", xlsx)
    assert code == 0, err
    import json

    exported = json.loads(out)
    expected = load_json(path)
    assert {k: exported[k] for k in expected} == expected


def test_every_input_cell_has_a_defined_name_and_is_unlocked():
    wb = openpyxl.load_workbook(ROOT / "templates" / "report.xlsx")
    for key, place in layout.places().items():
        dn = wb.defined_names[place.name]
        assert dn.attr_text.endswith(f"${place.coord.rstrip('0123456789')}${place.row}"), key
        cell = wb[place.sheet][place.coord]
        grey = key.startswith("narrative.") and key.endswith(".title") and cell.fill.fgColor.rgb.endswith("EDEDED")
        assert cell.protection.locked is grey, key       # grey label cells are locked (issue 15)
    ws = wb[layout.SHEET_REQUESTS]
    assert ws.protection.sheet and ws["A1"].protection.locked
    assert ws["A1"].value == FORMAT.request_note
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:C3", "D1:J1", "E2:I2", "D2:D3", "J2:J3", "A6:A27", "B8:B15", "B16:B18", "B19:B23",
            "B24:B26", "B27:C27", "A4:C4", "A28:C28"} <= merged


def test_validation_whole_numbers_and_money():
    wb = openpyxl.load_workbook(ROOT / "templates" / "report.xlsx")
    rules = {(dv.type, str(dv.sqref)) for dv in wb[layout.SHEET_ACTIVE].data_validations.dataValidation}
    kinds = {t for t, _ in rules}
    assert {"whole", "decimal"} <= kinds
    money = next(s for t, s in rules if t == "decimal")
    assert layout.place("active.fees_wan_yuan").coord in money.split()
    req = wb[layout.SHEET_REQUESTS].data_validations.dataValidation
    assert any(dv.type == "whole" and "D4" in str(dv.sqref) and "J28" in str(dv.sqref) for dv in req)


def _edit(src, dst, **cells):
    """Copy a workbook and set cells by key (what a clerk types)."""
    return edited_copy(src, dst, **cells)


def test_typed_forms_are_normalised_with_a_note(tmp_path):
    path = _edit(DEMO_2024, tmp_path / "t.xlsx",
                 requests__new_received__natural_person="52件",
                 active__licensing_decisions="2,103",
                 active__penalty_decisions="２８７",
                 active__coercion_decisions=" 39 ",
                 active__regulations__issued="/",
                 active__regulations__repealed=None)
    report = read_workbook(path)
    assert report.get("requests.new_received.natural_person") == 52
    assert report.get("active.licensing_decisions") == 2103
    assert report.get("active.penalty_decisions") == 287
    assert report.get("active.coercion_decisions") == 39
    assert report.get("active.regulations.issued") == NotApplicable("/")
    assert report.get("active.regulations.repealed") is None      # blank is not 0
    notes = "\n".join(n.render() for n in report.notes)
    assert "依申请公开!D4" in notes and "主动公开!B7" in notes and "主动公开!B10" in notes


def test_template_converts_in_libreoffice(tmp_path):
    if not has_soffice():
        pytest.skip("LibreOffice not installed")
    import shutil

    shutil.copy(ROOT / "templates" / "report.xlsx", tmp_path / "report.xlsx")
    proc = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "report.xlsx")],
                          capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "report.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10_000, proc.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for label in ("申请人情况", "第二十条第（一）项", "行政复议", "四、结转下年度继续办理"):
        assert label in text.replace(" ", "")


def test_new_year_carries_over(tmp_path, cli):
    out = tmp_path / "2025.xlsx"
    code, text, err = cli("new", "--prior", DEMO_2024, "-o", out)
    assert code == 0, err
    new = read_workbook(out)
    prior = read_workbook(DEMO_2024)
    assert new.year == 2025 and new.agency == prior.agency
    for col in FORMAT.request_columns:
        assert new.get(f"requests.carried_over.{col.key}") == prior.get(f"requests.carried_forward.{col.key}")
    assert new.get("requests.new_received.total") is None
    assert all(not t.text for t in new.narrative.values()), "last year's narrative must not be copied"
    portal = new.indicator("portal_posts")
    assert portal.value is None and portal.prior == prior.indicator("portal_posts").value
    assert [i.label for i in new.indicators if i.custom] == [i.label for i in prior.indicators if i.custom]
    ws = openpyxl.load_workbook(out)[layout.SHEET_ACTIVE]
    assert ws.cell(layout.place("active.normative_documents.in_force").row, 6).value == 28
    # never overwrite an existing workbook silently
    code, _, err = cli("new", "--prior", DEMO_2024, "-o", out)
    assert code == 2 and "已存在" in err


def test_new_without_prior(tmp_path, cli):
    code, _, err = cli("new", "--agency", "某县统计局", "--year", "2025", "--kind", "部门", "-o", tmp_path / "n.xlsx")
    assert code == 0, err
    r = read_workbook(tmp_path / "n.xlsx")
    assert (r.agency, r.year, r.meta["agency_kind"]) == ("某县统计局", 2025, "部门")


def test_text_starting_with_formula_chars_stays_text(tmp_path):
    report = reportjson.load(EXAMPLES / "demo-agency" / "2024.json")
    report.narrative["problems"].text = "=HYPERLINK(\"http://evil\")"
    report.narrative["other_matters"].text = "+1、-2、@3"
    path = write_workbook(report, tmp_path / "t.xlsx")
    back = read_workbook(path)
    assert back.narrative["problems"].text == "=HYPERLINK(\"http://evil\")"
    assert back.narrative["other_matters"].text == "+1、-2、@3"
    assert "<f>" not in zipfile.ZipFile(path).read("xl/worksheets/sheet7.xml").decode()


def _overlapping_words(pdf: Path) -> list[tuple[int, str, str]]:
    """Pairs of words whose boxes intersect on a page of ``pdf`` (pdftotext -bbox): text printed
    on top of other text, as rows too short for their wrapped text print in LibreOffice."""
    import re
    import subprocess
    from xml.etree import ElementTree as ET

    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    html = re.sub(r"<!DOCTYPE[^>]*>", "", html).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    out = []
    for number, page in enumerate(ET.fromstring(html).iter("page"), 1):
        words = [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")),
                  w.text) for w in page.iter("word")]
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1.5:
                    out.append((number, a[4], b[4]))
    return out


@pytest.mark.parametrize("workbook", ["templates/report.xlsx", "examples/demo-agency/2024.xlsx"])
def test_workbook_prints_without_overlapping_text(tmp_path, workbook):
    """Issue 10 point 7: the 填报说明 rule table printed F1–F3 on top of each other; the filled
    demo also prints its ✓ marks and help texts apart."""
    import shutil
    import subprocess

    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        pytest.skip("LibreOffice or poppler-utils is not installed")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(ROOT / workbook)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    assert _overlapping_words(tmp_path / (Path(workbook).stem + ".pdf")) == []
