"""The checker's public API: results, exports, acceptance, rule listing, annotated copy."""
from __future__ import annotations

import json
import os

import openpyxl
import pytest

from nianbao.check import Hit, Rule, list_rules, register, run_checks
from nianbao.check.annotate import RESULT_SHEET, write_annotated
from nianbao.check.finding import ACCEPTED, OPEN
from nianbao.check.numerals import cn_to_int, find_numbers, parse_number
from nianbao.check.registry import _RULES
from nianbao.workbook.layout import place, ref

from nianbao.check.result import NOT_RUN
from nianbao.model import NarrativeText

from test_check_support import seed, seed_prior


def broken_seed():
    """Seed with one C3 error (商业企业 +1 in （一）予以公开) and one A4 warning (a blank)."""
    r = seed()
    r.values["requests.disclosed.commercial"] = 1
    r.values["requests.carried_over.research"] = None
    return r


def test_finding_fields_and_json():
    result = run_checks(broken_seed())
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    f = next(f for f in data["findings"] if f["rule"] == "C3")
    assert {"rule", "severity", "message", "cells", "expected", "actual", "fingerprint", "difference",
            "formula", "status"} <= set(f)
    assert f["severity"] == "error" and f["expected"] == 3 and f["actual"] == 2 and f["difference"] == 1
    assert ref("requests.disclosed.commercial") in f["cells"] and ref("requests.disclosed.total") in f["cells"]
    assert "相差 1" in f["message"] and "依申请公开!E6" in f["message"]
    s = data["summary"]
    assert s["error"] >= 1 and s["warning"] >= 1 and s["accepted"] == 0
    assert "C3" in s["rules_run"] and {"rule": "E1", "reason": "需要上年报告（--prior 上年工作簿）"} in s["rules_not_run"]
    assert result.has_errors


def test_fingerprint_survives_a_fix_elsewhere():
    a = {f.rule: f.fingerprint for f in run_checks(broken_seed()).findings}
    r = broken_seed()
    r.values["requests.disclosed.commercial"] = 5                   # different numbers, same subject
    b = {f.rule: f.fingerprint for f in run_checks(r).findings}
    assert a["C3"] == b["C3"] and a["A4"] == b["A4"]


def test_warning_acceptance_is_reported_not_hidden():
    r = broken_seed()
    warning = next(f for f in run_checks(r).findings if f.rule == "A4")
    error = next(f for f in run_checks(r).findings if f.rule == "C3")
    r.acceptances = {warning.fingerprint: "科研机构未提出申请，按空白报送", error.fingerprint: "想接受错误"}
    result = run_checks(r)
    w = next(f for f in result.findings if f.fingerprint == warning.fingerprint)
    e = next(f for f in result.findings if f.fingerprint == error.fingerprint)
    assert w.status == ACCEPTED and w.reason.startswith("科研机构")
    assert e.status == OPEN and "不能" in e.notes[0] and result.has_errors
    assert result.summary["accepted"] == 1
    assert "已说明" in result.render_text() and "审核说明" in result.render_text()


def test_frame_and_text():
    result = run_checks(broken_seed())
    df = result.to_frame()
    assert list(df["rule"]).count("C3") == 1 and {"cells", "fingerprint", "status"} <= set(df.columns)
    text = result.render_text()
    for word in ("规则：C3", "级别：错误", "位置：依申请公开!E6", "说明："):
        assert word in text
    assert run_checks(seed()).to_frame().empty


def test_list_rules():
    rows = list_rules()
    ids = [r["id"] for r in rows]
    assert ids[:4] == ["A1", "A2", "A3", "A4"] and "G5" in ids and "F9" in ids
    assert all(r["severity"] in ("error", "warning", "info") and r["formula"] for r in rows)
    assert list(list_rules(as_frame=True).columns[:4]) == ["id", "severity", "title", "formula"]


def test_an_analyst_can_add_a_rule():
    def func(ctx):
        if ctx.num("requests.new_received.total") > 1:
            yield Hit("新收申请超过 1 件", ("requests.new_received.total",), expected=1,
                      actual=ctx.num("requests.new_received.total"))
    register(Rule("X1", "info", "示例规则", "新收 ≤ 1", func))
    try:
        (f,) = run_checks(seed(), rules=["X1"]).findings
        assert f.rule == "X1" and f.cells == [ref("requests.new_received.total")]
    finally:
        _RULES.pop("X1")


def test_a_crashing_rule_is_reported_not_fatal():
    def boom(ctx):
        raise KeyError("oops")
        yield
    result = run_checks(seed(), rules=[Rule("X2", "error", "坏规则", "-", boom), "C1"])
    assert result.summary["rules_failed"][0]["rule"] == "X2" and "C1" in result.summary["rules_run"]


def test_numerals():
    assert [cn_to_int(s) for s in ("两", "十二", "一百零三", "一千零五十", "两万三千")] == [2, 12, 103, 1050, 23000]
    assert parse_number("1,234") == 1234 and parse_number("1.5万") == 15000
    assert [t.value for t in find_numbers("两件，十二件，一百零三件，1,234件，第一次，一件事")] == [2, 12, 103, 1234]


# --- annotated copy ---------------------------------------------------------------
@pytest.fixture()
def workbook(tmp_path):
    from nianbao.workbook.writer import write_workbook
    path = tmp_path / "淄博.xlsx"
    write_workbook(broken_seed(), path)
    return path


def test_write_annotated_copy(workbook, tmp_path):
    before = workbook.read_bytes()
    src = openpyxl.load_workbook(workbook)
    result = run_checks(broken_seed())
    out = write_annotated(workbook, result, tmp_path / "out" / "标注.xlsx")
    assert workbook.read_bytes() == before                           # the input is untouched
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    wb = openpyxl.load_workbook(out)
    p = place("requests.disclosed.commercial")
    cell = wb[p.sheet][p.coord]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "C3" in cell.comment.text
    p = place("requests.carried_over.research")
    assert wb[p.sheet][p.coord].fill.fgColor.rgb.endswith("FFEB9C")
    ws = wb[RESULT_SHEET]
    assert [c.value for c in ws[1]] == ["规则", "级别", "位置", "公式", "左值", "右值", "差额", "说明", "状态"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "C3")
    assert row[2].hyperlink.location == "'依申请公开'!D6" or row[2].hyperlink.target == "#'依申请公开'!D6"
    assert row[1].value == "错误" and row[8].value == "待处理"
    assert set(src.defined_names) <= set(wb.defined_names)
    for name in src.sheetnames:
        assert len(wb[name].data_validations.dataValidation) == len(src[name].data_validations.dataValidation)


def test_write_annotated_refuses_to_overwrite_input(workbook):
    with pytest.raises(ValueError):
        write_annotated(workbook, run_checks(broken_seed()), workbook)


def test_annotated_copy_of_a_clean_report(tmp_path):
    from nianbao.workbook.writer import write_workbook
    path = write_workbook(seed(), tmp_path / "clean.xlsx")
    out = write_annotated(path, run_checks(seed()), tmp_path / "clean-checked.xlsx")
    ws = openpyxl.load_workbook(out)[RESULT_SHEET]
    assert ws.cell(2, 8).value == "未发现问题。"
    assert os.path.getsize(out) > 0


# --- the format is described once ---------------------------------------------------
def _format_labels() -> set[str]:
    from nianbao.format import FORMAT
    labels = {s.heading for s in FORMAT.sections}
    for b in FORMAT.active_blocks:
        labels |= {b.item, *b.header, *(r.label for r in b.rows), *(c.label for c in b.columns)}
    labels |= {c.label for c in FORMAT.request_columns} | {c.parent for c in FORMAT.request_columns if c.parent}
    labels |= {part for r in FORMAT.request_rows for part in r.labels if part}
    labels |= {g.label for g in (*FORMAT.request_groups, *FORMAT.appeal_groups)}
    labels |= {g.parent for g in FORMAT.appeal_groups if g.parent} | {o.label for o in FORMAT.appeal_outcomes}
    return labels - {"其他", "总计"}          # too short to tell a restated label from ordinary words


def test_check_code_does_not_restate_format_labels():
    """Labels of the national format come from nianbao.format, never from literals in check/."""
    import ast
    from pathlib import Path

    import nianbao.check
    labels = _format_labels()
    found = []
    for path in sorted(Path(nianbao.check.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value in labels:
                    found.append(f"{path.name}:{node.lineno}: {node.value}")
    assert not found, found


def test_a_new_empty_workbook_is_not_finished(cli, tmp_path):
    """`nianbao new` gives blank tables and texts: `check` must fail, not pass with warnings."""
    path = tmp_path / "new.xlsx"
    assert cli("new", "--agency", "测试局", "--year", "2024", "-o", path)[0] == 0
    code, out, _ = cli("check", path, "--json")
    assert code == 1
    errors = [(f["rule"], f["cells"][0]) for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert sorted(errors) == [("A1", "主动公开!B3"), ("A1", "依申请公开!D4"), ("A1", "复议诉讼!A4"),
                              ("G1", "文字材料!C10"), ("G1", "文字材料!C3"), ("G1", "文字材料!C9")]


def test_reader_notes_are_shown_as_open_info_on_the_cell(tmp_path):
    """"12件" is read as 12 with a note; the note reaches the text, the JSON and the annotated copy."""
    from nianbao.workbook.reader import read_workbook
    from nianbao.workbook.writer import write_workbook
    path = write_workbook(seed(), tmp_path / "typed.xlsx")
    wb = openpyxl.load_workbook(path)
    count, fee = place("requests.new_received.natural_person"), place("active.fees_wan_yuan")
    wb[count.sheet][count.coord] = "2件"
    wb[fee.sheet][fee.coord] = "0万元"
    wb.save(path)
    report = read_workbook(path)
    assert len(report.notes) == 2
    result = run_checks(report)
    notes = {f.rule: f for f in result.findings}
    assert set(notes) == {"A1", "A2"} and not result.has_errors
    a1 = notes["A1"]
    assert a1.severity == "info" and a1.status == OPEN and a1.cells == [count.ref]
    assert "去掉了单位“件”（原文“2件”）" in a1.message and a1.message.startswith(count.ref)
    text = result.render_text()
    assert "提示 2 项" in text and f"位置：{count.ref}" in text and "原文“0万元”" in text
    data = result.to_dict()
    assert [f["cells"] for f in data["findings"]] == [[count.ref], [fee.ref]]
    out = write_annotated(path, result, tmp_path / "checked.xlsx")
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(out)[RESULT_SHEET].iter_rows(min_row=2)]
    assert [(r[0], r[1], r[2]) for r in rows if r[1] != "说明"] == [("A1", "提示", count.ref), ("A2", "提示", fee.ref)]
    assert "原文“2件”" in rows[0][7] and rows[0][8] == "待处理"


def test_annotated_copy_lists_the_rules_notes(tmp_path):
    from nianbao.workbook.writer import write_workbook
    r = seed()
    r.values["appeals.review.upheld"] = r.values["appeals.review.total"] = 1
    path = write_workbook(r, tmp_path / "cases.xlsx")
    result = run_checks(r, rules=["C1", "D3"])
    assert not result.findings and result.summary["notes"]
    ws = openpyxl.load_workbook(write_annotated(path, result, tmp_path / "checked.xlsx"))[RESULT_SHEET]
    assert ws.cell(2, 8).value == "未发现问题。"
    assert ws.cell(3, 1).value == "D3" and ws.cell(3, 2).value == "说明" and "复议机关" in ws.cell(3, 8).value


def test_rules_catalogue_agrees_with_check(cli):
    """`nianbao rules` lists, for each rule, every severity its findings can have (issue 15)
    and the scope of the rules that do not run on a standard workbook, with check's reason."""
    from pathlib import Path

    from nianbao.check import list_rules
    from nianbao.workbook.reader import read_workbook

    demo = Path(__file__).resolve().parents[1] / "examples" / "demo-agency"
    rows = {r["id"]: r for r in list_rules()}
    allowed = {i: {r["severity"], *(a["severity"] for a in r["also"])} for i, r in rows.items()}
    now, prior = read_workbook(demo / "2024.xlsx"), read_workbook(demo / "2023.xlsx")
    broken = seed()
    broken.values["requests.new_received.total"] += 1
    broken.narrative["overview"] = NarrativeText("", "本年新收申请{不存在的数}件}。")
    checked = 0
    for report, before in ((now, None), (now, prior), (broken, None), (seed(), seed_prior())):
        result = run_checks(report, before)
        for f in result.findings:
            assert f.severity in allowed[f.rule], (f.rule, f.severity, f.message)
            checked += 1
        for run in result.runs:
            if run.status == NOT_RUN and not rows[run.rule]["needs_prior"]:
                if run.rule in ("A5", "C4", "G2", "G6"):
                    assert rows[run.rule]["applies"], run.rule
    assert checked >= 5
    assert "错误" in rows["G5"]["severity_zh"] and rows["G5"]["severity_zh"].startswith("警告")
    code, out, _ = cli("rules")
    assert code == 0 and "级别：警告；错误：未替换的 {占位符}" in out
    assert "warning" not in out and "error" not in out
    assert "适用范围：仅适用于 2019 年试行格式" in out
