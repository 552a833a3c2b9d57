"""`nianbao check` and `nianbao import` on published reports, and the
mutation test on the demo workbook (issue acceptance points)."""
from __future__ import annotations

import json

import pytest

from conftest import DEMO_2023, DEMO_2024, SHARED, WRONG_CELL, edited_copy
from nianbao.check import run_checks
from nianbao.format import FORMAT
from nianbao.values import num
from nianbao.workbook import layout
from nianbao.workbook.reader import read_workbook

PUBLISHED = SHARED / "samples" / "published"


def _findings(cli, path, *extra):
    code, out, err = cli("check", path, "--json", *extra)
    return code, json.loads(out) if out else None, err


def test_hongze_2023_table_four_errors_found(cli):
    code, result, _ = _findings(cli, PUBLISHED / "hongze_district_gov_2023" / "source.txt")
    assert code == 1
    d1 = [f for f in result["findings"] if f["rule"] == "D1"]
    assert len(d1) == 2
    assert {"复议诉讼!E4", "复议诉讼!O4"} <= {c for f in d1 for c in f["cells"]}
    assert not [f for f in result["findings"] if f["rule"] in ("C1", "C2", "C3") and f["severity"] == "error"]


def test_hongze_2024_narrative_contradicts_table(cli):
    code, result, _ = _findings(cli, PUBLISHED / "hongze_district_gov_2024" / "source.txt")
    assert code == 1
    f1 = [f for f in result["findings"] if f["rule"] == "F1"]
    assert f1 and "17" in f1[0]["message"] and "95" in f1[0]["message"]


@pytest.mark.parametrize("name", ["huaian_city_gov_2024", "shuyang_county_drc_2023"])
def test_other_published_reports_have_no_arithmetic_errors(cli, name):
    code, result, _ = _findings(cli, PUBLISHED / name / "source.txt")
    bad = [f for f in result["findings"] if f["rule"] in ("C1", "C2", "C3", "D1") and f["severity"] == "error"]
    assert not bad, bad


def test_uncertain_import_is_refused_with_a_summary(cli, tmp_path):
    code, out, err = cli("import", PUBLISHED / "shanghai_stcsm_2024" / "source.txt", "-o", tmp_path / "s.xlsx")
    assert code == 2 and "--accept-uncertain" in err and "导入" in err
    assert not (tmp_path / "s.xlsx").exists()


def test_import_published_report_to_workbook(cli, tmp_path):
    out = tmp_path / "hongze.xlsx"
    code, text, err = cli("import", PUBLISHED / "hongze_district_gov_2023" / "source.txt", "-o", out)
    assert code == 0, err
    report = read_workbook(out)
    assert report.agency == "淮安市洪泽区人民政府" and report.year == 2023
    assert report.get("appeals.review.upheld") == 10 and report.get("appeals.review.total") == 0  # kept, not corrected
    assert report.narrative["problems"].text


def test_demo_examples_pass_every_rule():
    prior = read_workbook(DEMO_2023)
    for report, p in ((prior, None), (read_workbook(DEMO_2024), prior)):
        result = run_checks(report, prior=p)
        assert not result.findings, result.render_text()


_MUTABLE = [c.key for c in FORMAT.cells if c.table in ("requests", "appeals")]


def test_raising_any_cell_of_tables_three_and_four_fires_an_error_on_it():
    """Mutation test on the demo workbook: +1 in any single input cell."""
    base = read_workbook(DEMO_2024)
    prior = read_workbook(DEMO_2023)
    missed = []
    for key in _MUTABLE:
        original = base.values[key]
        base.values[key] = num(original) + 1
        result = run_checks(base, prior=prior)
        base.values[key] = original
        ref = layout.ref(key)
        if not any(f.severity == "error" and ref in f.cells for f in result.findings):
            missed.append(ref)
    assert not missed, f"no error names these cells after +1: {missed}"


def test_report_in_the_2019_format_is_an_e5_error(tmp_path, cli):
    text = (PUBLISHED / "hongze_district_gov_2024" / "source.txt").read_text(encoding="utf-8")
    old = tmp_path / "old-format.txt"
    old.write_text(text.replace("本年制发件数", "本年新制作数量").replace("现行有效件数", "对外公开总数量"),
                   encoding="utf-8")
    code, result, _ = _findings(cli, old, "--accept-uncertain")
    assert code == 1
    assert any(f["rule"] == "E5" and f["severity"] == "error" for f in result["findings"])


def test_reannotating_a_fixed_copy_clears_the_old_marks(tmp_path, cli):
    import openpyxl

    p = layout.place(WRONG_CELL)
    bad = edited_copy(DEMO_2024, tmp_path / "bad.xlsx", requests__new_received__commercial=12)
    first = tmp_path / "checks.xlsx"
    assert cli("check", bad, "-o", first)[0] == 1
    fixed = openpyxl.load_workbook(first)
    assert fixed[p.sheet][p.coord].comment is not None
    fixed[p.sheet][p.coord].value = 11            # the clerk fixes it in the annotated copy
    fixed.save(tmp_path / "fixed.xlsx")
    second = tmp_path / "checks2.xlsx"
    assert cli("check", tmp_path / "fixed.xlsx", "--prior", DEMO_2023, "-o", second)[0] == 0
    cell = openpyxl.load_workbook(second)[p.sheet][p.coord]
    assert cell.comment is None and cell.fill.fgColor.rgb != "00FFC7CE"
