"""Roll-up of department reports (``nianbao rollup``) and rule G6
(``nianbao check 汇总.xlsx --children …``), on real workbooks."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import DEMO_2023, DEMO_2024, edited_copy
from officekit import AGENCIES, BASE, department
from nianbao.format import FORMAT
from nianbao.rollup import PARTS_SHEET
from nianbao.sources import load_report
from nianbao.values import NotApplicable
from nianbao.workbook import layout

@pytest.fixture(scope="module")
def six(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("departments")
    for i, agency in enumerate(AGENCIES, 1):
        sub = folder / ("乡镇" if i > 4 else "部门")
        sub.mkdir(exist_ok=True)
        department(DEMO_2024, sub / f"dept{i}.xlsx", i, agency)
    # what a shared folder collects besides: an Excel lock file and a note
    (folder / "部门" / "~$dept1.xlsx").write_bytes(b"\x00lock")
    (folder / "说明.txt").write_text("各部门报送的年报", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rolled(six, tmp_path_factory) -> Path:
    from nianbao.cli import main

    out = tmp_path_factory.mktemp("rollup") / "汇总.xlsx"
    assert main(["rollup", str(six), "-o", str(out), "--agency", "示例市人民政府"]) == 0
    return out


def expected_sum(values):
    """The roll-up rule, written out independently of the module under test."""
    numbers = [v for v in values if isinstance(v, (int, float))]
    if numbers:
        return round(sum(numbers), 4)
    return "/" if any(isinstance(v, NotApplicable) for v in values) else None


def test_each_department_checks_clean(six, cli):
    for wb in sorted(six.rglob("dept*.xlsx")):
        code, out, _ = cli("check", wb)
        assert code == 0, out
        assert "错误 0 项" in out


def test_rollup_is_the_exact_cell_sum_and_checks_clean(six, rolled, cli):
    parts = [load_report(p) for p in sorted(six.rglob("dept*.xlsx"))]
    assert len(parts) == 6
    back = load_report(rolled)                      # the standard reader reads it back
    assert back.agency == "示例市人民政府" and back.year == 2024
    for cell in FORMAT.cells:
        want = expected_sum([p.values.get(cell.key) for p in parts])
        got = back.values.get(cell.key)
        got = str(got) if isinstance(got, NotApplicable) else got
        assert got == want, cell.key
    # spot values worked out by hand: 6 × demo + (1+…+6)
    assert back.values["requests.new_received.total"] == 6 * BASE.values["requests.new_received.total"] + 21
    assert back.values["active.fees_wan_yuan"] == pytest.approx(0.25 * 21 + 0.6)
    assert str(back.values["active.regulations.issued"]) == "/"      # "/" everywhere stays "/"
    assert back.values["active.regulations.repealed"] == 0           # "/" beside 0s sums to 0
    code, out, _ = cli("check", rolled)
    assert code == 0 and "错误 0 项" in out, out


def test_rollup_sheet_lists_every_agency(rolled):
    ws = openpyxl.load_workbook(rolled)[PARTS_SHEET]
    names = [ws.cell(r, 2).value for r in range(4, 10)]
    assert sorted(names) == sorted(AGENCIES)
    assert ws.cell(10, 2).value == "合计"
    assert ws.cell(10, 5).value == 6 * BASE.values["requests.new_received.total"] + 21
    assert all(ws.cell(r, 15).value == "无错误" or "警告" in ws.cell(r, 15).value for r in range(4, 10))


def test_rollup_skips_lock_files_and_other_files_with_a_line(six, tmp_path, cli):
    code, out, err = cli("rollup", six, "-o", tmp_path / "r.xlsx", "--agency", "示例市人民政府")
    assert code == 0
    assert "~$dept1.xlsx" in err and "锁定文件" in err
    assert "说明.txt" in err and "不是 .xlsx" in err


def test_g6_clean_against_its_children(rolled, six, cli):
    code, out, _ = cli("check", rolled, "--children", six, "--json")
    assert code == 0
    data = json.loads(out)
    g6 = [r for r in data["rules"] if r["rule"] == "G6"][0]
    assert g6["status"] == "run"
    assert not [f for f in data["findings"] if f["rule"] == "G6"]


def test_g6_reports_a_changed_cell_with_both_values(rolled, six, tmp_path, cli):
    key = "requests.disclosed.research"
    before = load_report(rolled).values[key]
    changed = edited_copy(rolled, tmp_path / "改过的汇总.xlsx", **{key.replace(".", "__"): before + 5})
    code, out, _ = cli("check", changed, "--children", six, "--json")
    data = json.loads(out)
    g6 = [f for f in data["findings"] if f["rule"] == "G6"]
    assert len(g6) == 1, g6
    f = g6[0]
    assert f["cells"] == [layout.place(key).ref]
    assert f["actual"] == before + 5 and f["expected"] == before and f["difference"] == 5
    assert str(before + 5) in f["left"] and str(before) in f["right"]


def test_g6_names_a_child_that_cannot_be_counted(rolled, six, tmp_path, cli):
    kids = tmp_path / "kids"
    shutil.copytree(six, kids)
    (kids / "部门" / "dept2.xlsx").write_bytes(b"not a workbook")
    code, out, _ = cli("check", rolled, "--children", kids)
    assert "dept2.xlsx" in out and "未计入" in out
    assert "G6" in out


def test_g6_not_run_without_children(rolled, cli):
    code, out, _ = cli("check", rolled)
    assert "G6：需要下级单位的报告" in out


def test_refuses_mixed_years(six, tmp_path, cli):
    other = edited_copy(DEMO_2023, tmp_path / "old.xlsx", meta__agency="示例市统计局")
    code, _, err = cli("rollup", six / "部门", other, "-o", tmp_path / "r.xlsx")
    assert code == 2
    assert "年度不一致" in err and "old.xlsx" in err
    assert not (tmp_path / "r.xlsx").exists()


def test_refuses_a_repeated_agency(six, tmp_path, cli):
    again = shutil.copy(six / "部门" / "dept1.xlsx", tmp_path / "dept1-again.xlsx")
    code, _, err = cli("rollup", six, again, "-o", tmp_path / "r.xlsx")
    assert code == 2
    assert "示例市财政局" in err and "出现了 2 次" in err and "dept1-again.xlsx" in err


def test_refuses_an_input_with_errors_unless_allowed(six, tmp_path, cli):
    wrong = edited_copy(six / "部门" / "dept1.xlsx", tmp_path / "wrong.xlsx", meta__agency="示例市统计局",
                        requests__new_received__commercial=BASE.values["requests.new_received.commercial"] + 7)
    code, _, err = cli("rollup", six / "部门", wrong, "-o", tmp_path / "r.xlsx")
    assert code == 2 and "示例市统计局" in err and "wrong.xlsx" in err and "--allow-errors" in err
    code, out, _ = cli("rollup", six / "部门", wrong, "-o", tmp_path / "r.xlsx", "--allow-errors")
    assert code == 0 and "示例市统计局" in out
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")[PARTS_SHEET]
    marked = [ws.cell(r, 15).value for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == "示例市统计局"]
    assert marked and "有错误" in marked[0]


def test_never_writes_over_an_input(six, cli):
    target = six / "部门" / "dept1.xlsx"
    before = target.read_bytes()
    code, _, err = cli("rollup", six / "部门", "-o", target, "--force")
    assert code == 2 and target.read_bytes() == before


def test_g6_on_a_published_parent(rolled, six, tmp_path, cli):
    """The parent as the public sees it: the roll-up published as a web page
    (one cell misprinted), imported and checked against the children."""
    from nianbao.render.html import render_html

    report = load_report(rolled)
    key = "appeals.review.corrected"
    report.values[key] += 2
    page = render_html(report, None, tmp_path / "汇总报告.html").path
    code, out, err = cli("check", page, "--children", six, "--json")
    assert out, err
    data = json.loads(out)
    g6 = [f for f in data["findings"] if f["rule"] == "G6"]
    assert [f["keys"] for f in g6] == [[key]]
    assert g6[0]["difference"] == 2 and "6 个下级单位" in err


def test_combined_other_row_is_summed_as_one_row():
    """A report printing （六）其他处理 as one row: the roll-up does too, and G6 compares it that way."""
    from nianbao.check import run_checks
    from nianbao.check.rules.children import Children, with_children
    from nianbao.rollup import sum_reports

    a, b = load_report(DEMO_2024), load_report(DEMO_2024)
    b.meta["agency"] = "示例市统计局"
    cols = [c.key for c in FORMAT.request_columns]
    subs = [r.key for r in FORMAT.rows_in_group("other")]
    b.other_combined = {c: sum(b.values[f"requests.{r}.{c}"] for r in subs) for c in cols}
    for r in subs:
        for c in cols:
            b.values[f"requests.{r}.{c}"] = None
    total, notes = sum_reports([a, b], "示例市人民政府", 2024)
    assert any("合并为一行" in n for n in notes)
    assert total.other_combined["total"] == 2 * sum(a.values[f"requests.{r}.total"] for r in subs)
    assert all(total.values[f"requests.{r}.total"] is None for r in subs)
    errors = [f for f in run_checks(total).errors if f.rule[0] in "ABCD"]
    assert errors == []
    with with_children(Children([a, b])):
        result = run_checks(total)
    assert result.of_rule("G6") == []
    total.other_combined["natural_person"] += 1
    with with_children(Children([a, b])):
        g6 = run_checks(total).of_rule("G6")
    assert len(g6) == 1 and g6[0].difference == 1


def test_own_office_is_counted_and_names_the_rollup(six, tmp_path, cli):
    own = edited_copy(six / "部门" / "dept1.xlsx", tmp_path / "本级.xlsx", meta__agency="示例市人民政府办公室",
                      meta__agency_kind="人民政府")
    out = tmp_path / "r.xlsx"
    code, text, _ = cli("rollup", six, "--own", own, "-o", out)
    assert code == 0 and "及本级" in text
    back = load_report(out)
    assert back.agency == "示例市人民政府办公室"
    assert back.values["requests.new_received.total"] == 7 * BASE.values["requests.new_received.total"] + 21 + 1
    ws = openpyxl.load_workbook(out)[PARTS_SHEET]
    roles = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(4, 11)}
    assert roles["示例市人民政府办公室"] == "本级" and roles[AGENCIES[0]] == "下级单位"
    code, text, err = cli("check", out, "--children", six, "--own", own)
    assert "G6" not in text.split("未运行的规则")[0] and "及本级" in err


def test_own_without_children_is_refused(rolled, cli):
    code, _, err = cli("check", rolled, "--own", rolled)
    assert code == 2 and "--own 只能与 --children 一起使用" in err


def test_rollup_draft_text_raises_no_warning_of_its_own(rolled, cli):
    """The draft narrative is generated from placeholders: it must not itself
    trip rule F1 (it used to say "办理结果总数N件", read as a received count)."""
    code, out, _ = cli("check", rolled, "--json")
    data = json.loads(out)
    assert not [f for f in data["findings"] if f["rule"] == "F1"], out


def test_batch_with_a_parent_runs_g6_against_the_batch(rolled, six, tmp_path, cli):
    """`nianbao batch 各部门/ --parent 汇总.xlsx`: after the jobs, the parent is
    compared cell by cell with the sum of this batch's workbooks (rule G6)."""
    key = "requests.disclosed.research"
    before = load_report(rolled).values[key]
    changed = edited_copy(rolled, tmp_path / "改过的汇总.xlsx", **{key.replace(".", "__"): before + 5})
    out = tmp_path / "out"
    code, stdout, err = cli("batch", six, "-o", out, "--formats", "html", "--workers", "2", "--parent", changed)
    assert code == 0, stdout + err             # G6 is a warning
    data = json.loads((out / "parent-checks.json").read_text(encoding="utf-8"))
    g6 = [f for f in data["findings"] if f["rule"] == "G6"]
    assert [f["cells"] for f in g6] == [[layout.place(key).ref]], g6
    assert "与本批 6 个下级单位逐格核对（规则 G6）：1 处不一致" in stdout
    code, _, err = cli("batch", six, "-o", tmp_path / "o2", "--own", rolled)
    assert code == 2 and "--parent" in err
