"""One passing and one failing case per rule, on the seed report (淄博市外办 2023).

Each case mutates a fresh copy of the seed; the passing variant must produce
no finding of the rule (and the rule must have run), the failing one at
least one finding with the catalogue's severity.
"""
from __future__ import annotations

from typing import Callable

import pytest

from nianbao.check import run_checks
from nianbao.check.result import DUPLICATE, NOT_RUN, RUN
from nianbao.format import FORMAT
from nianbao.model import NarrativeText, Report
from nianbao.values import NotApplicable

from test_check_support import seed, seed_prior

Mut = Callable[[Report, Report], None]


def setv(r: Report, **kv) -> None:
    for k, v in kv.items():
        r.values[k.replace("__", ".")] = v


def add(r: Report, key: str, n: int = 1) -> None:
    r.values[key] = r.num(key) + n


def text(r: Report, part: str, t: str) -> None:
    r.narrative[part] = NarrativeText("", t)


def nothing(r: Report, p: Report) -> None:
    pass


def seed_text_with(old: str, new: str) -> Mut:
    def m(r: Report, p: Report) -> None:
        t = r.narrative["requests"].text
        assert old in t
        text(r, "requests", t.replace(old, new))
    return m


def both(*muts: Mut) -> Mut:
    def m(r: Report, p: Report) -> None:
        for x in muts:
            x(r, p)
    return m


def row_add(row: str, col: str = "natural_person", n: int = 1) -> Mut:
    def m(r: Report, p: Report) -> None:
        add(r, f"requests.{row}.{col}", n)
        add(r, f"requests.{row}.total", n)
    return m


# (rule, passing mutation, failing mutation, expected severity of the failure, needs prior)
CASES: list[tuple[str, Mut, Mut, str, bool]] = [
    ("A1", nothing, lambda r, p: setv(r, requests__disclosed__commercial=-1), "error", False),
    ("A2", lambda r, p: setv(r, active__fees_wan_yuan=0.35),
     lambda r, p: setv(r, active__fees_wan_yuan=-2), "error", False),
    ("A3", lambda r, p: (setv(r, active__fees_wan_yuan=0.394),
                         text(r, "other_matters", "本年收取信息处理费3940元。")),
     lambda r, p: (setv(r, active__fees_wan_yuan=3940),
                   text(r, "other_matters", "本年收取信息处理费3940元。")), "warning", False),
    ("A4", nothing, lambda r, p: setv(r, requests__carried_over__research=None), "warning", False),
    ("B1", lambda r, p: setv(r, active__normative_documents__issued=2,
                             active__normative_documents__in_force=2),
     lambda r, p: setv(r, active__normative_documents__issued=5,
                       active__normative_documents__in_force=2), "warning", False),
    ("B2", lambda r, p: (setv(p, active__normative_documents__in_force=3),
                         setv(r, active__normative_documents__issued=2, active__normative_documents__repealed=1,
                              active__normative_documents__in_force=4)),
     lambda r, p: (setv(p, active__normative_documents__in_force=3),
                   setv(r, active__normative_documents__issued=2, active__normative_documents__in_force=9)),
     "warning", True),
    ("B3", lambda r, p: r.meta.update(level="县级"),
     lambda r, p: (r.meta.update(level="县级"), setv(r, active__regulations__in_force=6)), "warning", False),
    ("B4", lambda r, p: (setv(r, active__normative_documents__issued=3, active__normative_documents__in_force=3),
                         text(r, "active", "全年制发行政规范性文件3件。")),
     lambda r, p: text(r, "active", "全年制发行政规范性文件3件。"), "warning", False),
    ("C1", nothing, row_add("new_received"), "error", False),
    ("C2", nothing, row_add("withheld_state_secret"), "error", False),
    ("C3", nothing, lambda r, p: add(r, "requests.disclosed.commercial"), "error", False),
    ("C5", nothing, both(row_add("carried_forward", n=5)), "error", False),
    ("C6", lambda r, p: (row_add("other_fee_unpaid")(r, p), row_add("disclosed", n=-1)(r, p),
                         text(r, "other_matters", "本年发出信息处理费收费通知1件，申请人逾期未缴费。")),
     lambda r, p: (row_add("other_fee_unpaid")(r, p), row_add("disclosed", n=-1)(r, p)), "warning", False),
    ("C7", lambda r, p: text(r, "other_matters", "本年收取信息处理费200元。"),
     lambda r, p: (text(r, "other_matters", "本年收取信息处理费200元。"),
                   [r.values.__setitem__(k, 0) for k in list(r.values) if k.startswith("requests.")]),
     "warning", False),
    ("C8", nothing, lambda r, p: setv(r, **{f"requests__disclosed__{c}": None for c in
                                            ("natural_person", "commercial", "research", "public_interest",
                                             "legal_services", "other_org")}), "warning", False),
    ("D1", nothing, lambda r, p: setv(r, appeals__review__upheld=1), "error", False),
    ("D2", lambda r, p: (setv(r, appeals__review__upheld=2, appeals__review__total=2),
                         text(r, "oversight", "本年被申请行政复议2件，均维持原决定。")),
     lambda r, p: text(r, "oversight", "本年被申请行政复议2件，均维持原决定。"), "warning", False),
    ("E1", nothing, lambda r, p: setv(p, requests__carried_forward__total=1), "error", True),
    ("E2", nothing, lambda r, p: setv(r, active__normative_documents__in_force=4), "warning", True),
    ("E3", nothing, lambda r, p: (p.narrative.update({k: NarrativeText("", v.text) for k, v in r.narrative.items()})),
     "warning", True),
    ("E4", nothing, lambda r, p: text(r, "requests", "2022年，全年共收到2件政府信息公开申请。"), "warning", True),
    ("F1", nothing, seed_text_with("共收到2件", "共收到17件"), "error", False),
    ("F2", lambda r, p: text(r, "requests", "全年共收到2件政府信息公开申请，已全部办结2件。"),
     lambda r, p: text(r, "requests", "全年共收到2件政府信息公开申请，已全部办结3件。"), "warning", False),
    ("F3", lambda r, p: text(r, "requests", "全年共收到2件政府信息公开申请，其中予以公开2件，占100%。"),
     lambda r, p: text(r, "requests", "全年共收到2件政府信息公开申请，其中予以公开1件，部分公开1件。"),
     "warning", False),
    ("F4", lambda r, p: text(r, "active", "全年未制发规章。"),
     lambda r, p: text(r, "active", "全年印发规章2件。"), "warning", False),
    ("F5", lambda r, p: (setv(r, active__fees_wan_yuan=1), text(r, "other_matters", "本年收取信息处理费3940元。")),
     lambda r, p: text(r, "other_matters", "本年收取信息处理费3940元。"), "info", False),
    ("F6", nothing, lambda r, p: setv(r, appeals__review__upheld=1, appeals__review__total=1), "warning", False),
    ("F7", nothing, lambda r, p: r.meta.update(agency_kind="人民政府"), "warning", False),
    ("F8", nothing, lambda r, p: text(r, "problems", ""), "info", False),
    ("F9", nothing, lambda r, p: text(r, "other_matters", ""), "info", False),
    ("G1", lambda r, p: r.meta.update(headings=["一、总体情况", "二、主动公开政府信息情况",
                                               "三、收到和处理政府信息公开申请情况",
                                               "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
                                               "五、存在问题及改进情况", "六、其他需要报告的事项"]),
     lambda r, p: r.meta.update(headings=["一、总体情况", "二、主动公开政府信息情况",
                                         "三、收到和处理政府信息公开申请情况",
                                         "四、政府信息公开行政复议、行政诉讼情况", "六、其他需要报告的事项"]),
     "error", False),
    ("G2", lambda r, p: r.meta.update(title="淄博市人民政府外事办公室2023年政府信息公开工作年度报告"),
     lambda r, p: r.meta.update(title="淄博市人民政府外事办公室2023年政务信息公开工作报告"), "warning", False),
    ("G3", lambda r, p: text(r, "overview", "本报告统计期限自2023年1月1日起至2023年12月31日止。"),
     lambda r, p: text(r, "overview", "本报告统计期限自2022年1月1日起至2022年12月31日止。"), "warning", False),
    ("G4", lambda r, p: r.meta.update(publish_date="2024-01-20"),
     lambda r, p: r.meta.update(publish_date="2024-02-05"), "error", False),
    ("G5", lambda r, p: text(r, "active", "全年收到{新收申请总数}件申请。"),
     lambda r, p: text(r, "active", "全年发布信息XX条，{不存在的数}件。"), "warning", False),
    ("C4", lambda r, p: r.meta.update(subtotals={"disclosed": {"total": 2}, "withheld": {"total": 0}}),
     lambda r, p: r.meta.update(subtotals={"disclosed": {"total": 3}}), "error", False),
    ("D4", lambda r, p: (setv(p, appeals__review__pending=1, appeals__review__total=1),
                         setv(r, appeals__review__upheld=1, appeals__review__total=1)),
     lambda r, p: setv(p, appeals__review__pending=1, appeals__review__total=1), "info", True),
    ("E5", nothing, lambda r, p: r.meta.update(format_2019_labels=["本年新制作数量", "对外公开总数量"]),
     "error", False),
]


def _run(rule: str, mutate: Mut, with_prior: bool):
    r, p = seed(), seed_prior()
    mutate(r, p)
    return run_checks(r, p if with_prior else None, rules=[rule])


@pytest.mark.parametrize("rule,ok,bad,severity,needs_prior", CASES, ids=[c[0] for c in CASES])
def test_rule_passes(rule, ok, bad, severity, needs_prior):
    result = _run(rule, ok, needs_prior)
    assert result.run_of(rule).status == RUN, result.run_of(rule)
    assert result.of_rule(rule) == [], [f.message for f in result.of_rule(rule)]
    assert not result.summary["rules_failed"]


@pytest.mark.parametrize("rule,ok,bad,severity,needs_prior", CASES, ids=[c[0] for c in CASES])
def test_rule_fails(rule, ok, bad, severity, needs_prior):
    result = _run(rule, bad, needs_prior)
    found = result.of_rule(rule)
    assert found, f"{rule} did not fire"
    assert any(f.severity == severity for f in found), [(f.severity, f.message) for f in found]
    for f in found:
        assert f.cells and f.fingerprint and f.message


def test_every_required_rule_has_cases():
    required = {"A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", *(f"C{i}" for i in range(1, 9)),
                "D1", "D2", "D4", *(f"E{i}" for i in range(1, 6)), *(f"F{i}" for i in range(1, 10)), "G1", "G2",
                "G3", "G4", "G5"}
    assert required <= {c[0] for c in CASES}


def test_the_catalogue_has_all_41_rules():
    """report-format.md §2: A5 + B4 + C8 + D4 + E5 + F9 + G6; the ones that cannot apply say why."""
    from nianbao.check import list_rules
    ids = [r["id"] for r in list_rules()]
    sizes = {"A": 5, "B": 4, "C": 8, "D": 4, "E": 5, "F": 9, "G": 6}
    assert ids == [f"{part}{i}" for part, n in sizes.items() for i in range(1, n + 1)]
    runs = {r.rule: r for r in run_checks(seed(), seed_prior()).runs}
    assert runs["A5"].status == NOT_RUN and "2019 年" in runs["A5"].reason
    assert runs["C4"].status == NOT_RUN and "没有小计行" in runs["C4"].reason
    assert runs["G6"].status == NOT_RUN and "--children" in runs["G6"].reason


def test_c4_double_counted_subtotal():
    r = seed()
    r.meta["subtotals"] = {"disclosed": {"total": 2}}
    add(r, "requests.total_processed.total", 2)       # （七）总计 = 2 + the subtotal 2
    (f,) = run_checks(r, rules=["C4"]).findings
    assert f.severity == "error" and "重复计算" in f.message and f.expected == 2 and f.actual == 4


def test_d3_reminds_to_reconcile_with_review_bodies_and_courts_when_there_are_cases():
    result = run_checks(seed(), rules=["D3"])
    assert result.run_of("D3").status == RUN and not result.summary["notes"]
    r = seed()
    setv(r, appeals__review__upheld=1, appeals__review__total=1)
    result = run_checks(r, rules=["D3"])
    assert not result.findings                        # a reminder, not a problem in the figures
    (note,) = result.summary["notes"]
    assert note.startswith("D3：") and "复议机关" in note and "人民法院" in note
    assert "其他说明" in result.render_text() and note in result.render_text()


def test_e5_not_run_on_an_imported_document_without_the_record():
    r = seed()
    r.meta["headings"] = [s.heading for s in FORMAT.sections]
    run = run_checks(r, rules=["E5"]).run_of("E5")
    assert run.status == NOT_RUN and "没有记录" in run.reason
    r.meta["format_2019_labels"] = []                 # the importer looked and found none
    result = run_checks(r, rules=["E5"])
    assert result.run_of("E5").status == RUN and not result.findings


def test_e5_allows_the_2019_format_before_2021():
    r = seed()
    r.meta.update(year=2020, format_2019_labels=["政府集中采购"])
    result = run_checks(r, rules=["E5"])
    assert result.run_of("E5").status == RUN and not result.findings


@pytest.mark.parametrize("rule", ["B2", "D4", "E1", "E2", "E3", "E4"])
def test_cross_year_rules_say_not_run_without_prior(rule):
    result = run_checks(seed(), rules=[rule])
    run = result.run_of(rule)
    assert run.status == NOT_RUN and "上年" in run.reason
    assert {"rule": rule, "reason": run.reason} in result.summary["rules_not_run"]


def test_duplicates_are_reported_not_run_twice():
    r = seed()
    setv(r, active__normative_documents__in_force=4)
    result = run_checks(r, seed_prior())
    assert result.run_of("E2").status == DUPLICATE and result.run_of("F4").status == DUPLICATE
    assert len(result.of_rule("B2")) == 1 and not result.of_rule("E2")


def test_g1_runs_on_workbook_reports_without_headings():
    result = run_checks(seed(), rules=["G1"])
    assert result.run_of("G1").status == RUN and not result.findings


@pytest.mark.parametrize("parts,section", [
    (("overview", "active", "requests", "management", "platforms", "oversight"), "一"),
    (("problems",), "五"), (("other_matters",), "六")], ids=["section1", "section5", "section6"])
def test_g1_an_empty_narrative_section_counts_as_missing(parts, section):
    r = seed()
    for part in parts:
        text(r, part, "  \n ")                       # whitespace only is empty
    (f,) = run_checks(r, rules=["G1"]).findings
    assert f.severity == "error" and f"第{section}部分" in f.message and "缺一不可" in f.message
    assert f.keys == [f"narrative.{p}.text" for p in parts] and f.cells[0].startswith("文字材料!")


def test_g1_section_one_needs_only_some_text():
    r = seed()
    text(r, "overview", "")                           # the five parts carry section 一
    assert not run_checks(r, rules=["G1"]).findings
    r = seed()
    for part in ("overview", "active", "requests", "management", "platforms"):
        text(r, part, "")
    assert not run_checks(r, rules=["G1"]).findings   # （五）监督保障 alone still fills it


def test_g1_headings_of_an_imported_document_take_precedence():
    r = seed()
    text(r, "problems", "")
    r.meta["headings"] = [s.heading for s in FORMAT.sections]
    assert not run_checks(r, rules=["G1"]).findings   # the document has section 五 (F8 speaks of its text)


@pytest.mark.parametrize("table,sheet,first,size", [("active", "主动公开", "主动公开!B3", 10),
                                                     ("requests", "依申请公开", "依申请公开!D4", 175),
                                                     ("appeals", "复议诉讼", "复议诉讼!A4", 15)],
                         ids=["table2", "table3", "table4"])
def test_a1_a_wholly_blank_table_is_an_error(table, sheet, first, size):
    r = seed()
    for c in FORMAT.cells_of(table):
        r.values[c.key] = None
    result = run_checks(r, rules=["A1", "A4"])
    (f,) = result.findings                            # A1 says it once; A4 does not list the rows again
    assert f.rule == "A1" and f.severity == "error" and f.cells[0] == first
    assert f"工作表“{sheet}”" in f.message and f"从 {first} 起共 {size} 格" in f.message and "填 0" in f.message


def test_a1_a_table_with_any_entry_is_not_wholly_blank():
    r = seed()
    for c in FORMAT.cells_of("active"):
        r.values[c.key] = None
    r.values["active.regulations.issued"] = NotApplicable("/")
    result = run_checks(r, rules=["A1", "A4"])
    assert not result.of_rule("A1") and result.of_rule("A4")


def test_g1_order():
    r = seed()
    r.meta["headings"] = ["一、总体情况", "三、收到和处理政府信息公开申请情况", "二、主动公开政府信息情况",
                          "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                          "六、其他需要报告的事项"]
    assert any("顺序" in f.message for f in run_checks(r, rules=["G1"]).findings)


def test_e1_error_only_for_total_of_same_agency():
    r, p = seed(), seed_prior()
    setv(p, requests__carried_forward__natural_person=1, requests__carried_forward__total=1)
    sev = {f.keys[0]: f.severity for f in run_checks(r, p, rules=["E1"]).findings}
    assert sev == {"requests.carried_over.natural_person": "warning", "requests.carried_over.total": "error"}
    p.meta["agency"] = "另一个机关"
    assert all(f.severity == "warning" for f in run_checks(r, p, rules=["E1"]).findings)


def test_not_applicable_marks_in_table_two_are_only_info():
    r = seed()
    for c in ("issued", "repealed", "in_force"):
        r.values[f"active.regulations.{c}"] = NotApplicable("/")
    (f,) = run_checks(r, rules=["A4"]).findings
    assert f.severity == "info" and "“/”" in f.message


def test_blank_on_short_side_is_a_warning_but_on_long_side_an_error():
    r = seed()
    r.values["requests.carried_forward.total"] = None
    add(r, "requests.new_received.total")               # left 3 > right 2 + blank: blank could fix it
    assert {f.severity for f in run_checks(r, rules=["C1"]).findings} == {"warning"}
    r = seed()
    r.values["requests.carried_over.total"] = None
    add(r, "requests.total_processed.total")            # right grew; a blank on the left could fix it
    assert {f.severity for f in run_checks(r, rules=["C1"]).findings} == {"warning"}
    r = seed()
    r.values["requests.carried_forward.total"] = None
    add(r, "requests.total_processed.total")            # the blank sits on the larger side: error
    assert {f.severity for f in run_checks(r, rules=["C1"]).findings} == {"error"}


def test_other_combined_row_replaces_the_three_sub_rows():
    r = seed()
    for row in ("other_no_correction", "other_fee_unpaid", "other_other"):
        for c in ("natural_person", "commercial", "research", "public_interest", "legal_services",
                  "other_org", "total"):
            r.values[f"requests.{row}.{c}"] = None
    r.other_combined = {c: 0 for c in ("natural_person", "commercial", "research", "public_interest",
                                       "legal_services", "other_org", "total")}
    result = run_checks(r, rules=["A4", "C1", "C2", "C3"])
    assert not result.findings, result.render_text()
    r.other_combined["natural_person"] = 1
    r.other_combined["total"] = 1
    assert {f.rule for f in run_checks(r, rules=["C2"]).findings} == {"C2"}
    assert any("_other_combined" in k for f in run_checks(r, rules=["C2"]).findings for k in f.keys)


def test_f1_delta_checked_against_prior():
    r, p = seed(), seed_prior()                      # prior: 1 application; seed says 比上年增加了1件
    assert not run_checks(r, p, rules=["F1"]).findings
    setv(p, requests__new_received__total=2, requests__new_received__natural_person=2)
    (f,) = run_checks(r, p, rules=["F1"]).findings
    assert "比上年" in f.message and f.expected == 0 and f.actual == 1
    note = run_checks(r, rules=["F1"]).summary["notes"]
    assert note and "未提供上年报告" in note[0]


def test_f1_includes_carry_over_when_the_text_says_so():
    r = seed()
    setv(r, requests__carried_over__natural_person=1, requests__carried_over__total=1,
         requests__disclosed__natural_person=3, requests__disclosed__total=3)
    text(r, "requests", "全年共收到政府信息公开申请3件（含上年结转1件），均已按时答复。")
    assert not run_checks(r, rules=["F1"]).findings
    text(r, "requests", "全年共收到政府信息公开申请3件，均已按时答复。")
    (f,) = run_checks(r, rules=["F1"]).findings
    assert f.severity == "warning" and "口径" in f.message


def test_f3_percentage_mismatch():
    r = seed()
    text(r, "requests", "全年共收到2件政府信息公开申请，予以公开率为50%。")
    (f,) = run_checks(r, rules=["F3"]).findings
    assert f.actual == 50


def test_balance_messages_say_what_a_blank_like_cell_holds():
    r = seed()
    r.values["requests.disclosed.research"] = NotApplicable("/")
    add(r, "requests.disclosed.total")                   # applicants 2 < total 3; the "/" could fix it
    (f,) = run_checks(r, rules=["C3"]).findings
    assert f.severity == "warning"
    assert "依申请公开!F6 填了“/”（按 0 计算）" in f.message and "为空白" not in f.message
    r.values["requests.disclosed.research"] = None
    (f,) = run_checks(r, rules=["C3"]).findings
    assert "依申请公开!F6 为空白（按 0 计算）" in f.message and "“/”" not in f.message


def test_balance_message_names_a_single_cell_side_once():
    r = seed()
    add(r, "requests.disclosed.commercial")
    (f,) = run_checks(r, rules=["C3"]).findings
    assert "；总计 2；相差 1" in f.message and "总计 = 总计" not in f.message
    r = seed()
    add(r, "requests.withheld_state_secret.natural_person")
    add(r, "requests.withheld_state_secret.total")
    (f,) = [f for f in run_checks(r, rules=["C2"]).findings if "总计”列" in f.message]
    assert "；三（七）总计 2；相差 1" in f.message and "总计 = 三（七）总计" not in f.message
