"""The checker on real reports: published samples, the seed narrative, mutations."""
from __future__ import annotations

import pytest

from nianbao.check import run_checks
from nianbao.check.narrative import extract
from nianbao.format import FORMAT
from nianbao.workbook.layout import ref

from test_check_support import PUBLISHED_NAMES, published, seed, seed_prior

TABLE_RULES = ("C1", "C2", "C3", "D1")


@pytest.mark.parametrize("name", [n for n in PUBLISHED_NAMES if n != "hongze_district_gov_2023"])
def test_published_tables_raise_no_arithmetic_error(name):
    result = run_checks(published(name))
    errors = [f for f in result.errors if f.rule in TABLE_RULES]
    assert errors == [], result.render_text()
    assert not result.summary["rules_failed"]


def test_hongze_2023_both_d1_errors_found():
    result = run_checks(published("hongze_district_gov_2023"))
    d1 = [f for f in result.errors if f.rule == "D1"]
    assert len(d1) == 2
    review, after_review = sorted(d1, key=lambda f: f.cells[0])
    assert ref("appeals.review.total") in review.cells and review.expected == 11 and review.actual == 0
    assert ref("appeals.litigation_after_review.total") in after_review.cells and after_review.expected == 5
    assert not [f for f in result.errors if f.rule in ("C1", "C2", "C3")]


def test_shanghai_blank_total_is_a_warning_not_an_error():
    result = run_checks(published("shanghai_stcsm_2024"))
    blank = ref("requests.carried_forward.total")
    involved = [f for f in result.findings if blank in f.cells]
    assert {f.rule for f in involved} >= {"A4", "C1", "C3"}
    assert all(f.severity == "warning" for f in involved)
    assert not result.has_errors


def test_seed_narrative_matches_its_table():
    result = run_checks(seed())
    assert not result.findings, result.render_text()
    (m,) = [m for m in extract({"requests": seed().narrative["requests"].text}).mentions if m.topic == "req.new"]
    assert m.value == 2


def test_seed_narrative_with_prior_checks_the_change():
    result = run_checks(seed(), seed_prior(), rules=["F1"])
    assert result.run_of("F1").notes == [] and not result.findings


def test_seed_17_instead_of_2_is_an_error():
    r = seed()
    r.narrative["requests"].text = r.narrative["requests"].text.replace("共收到2件", "共收到17件")
    (f,) = [f for f in run_checks(r).findings if f.rule == "F1"]
    assert f.severity == "error" and f.expected == 2 and f.actual == 17
    assert ref("requests.new_received.total") in f.cells and ref("narrative.requests.text") in f.cells


def test_chinese_numerals_in_the_narrative():
    r = seed()
    r.narrative["requests"].text = "全年共收到两件政府信息公开申请，比上年增加了一件。"
    assert not [f for f in run_checks(r).findings if f.rule.startswith("F")]
    r.narrative["requests"].text = "全年共收到一百零三件政府信息公开申请。"
    assert [f.actual for f in run_checks(r).findings if f.rule == "F1"] == [103]


def test_hongze_2024_narrative_17_against_table_95():
    result = run_checks(published("hongze_district_gov_2024"))
    (f,) = [f for f in result.findings if f.rule == "F1"]
    assert f.severity == "error" and (f.expected, f.actual) == (95, 17)


def test_hongze_2023_narrative_21_matches():
    assert not [f for f in run_checks(published("hongze_district_gov_2023")).findings if f.rule.startswith("F1")]


def test_huaian_2024_narrative_matches_tables():
    result = run_checks(published("huaian_city_gov_2024"))
    narrative_rules = {"B4", "D2", "F1", "F2", "F3", "F6"}
    assert not [f for f in result.findings if f.rule in narrative_rules], result.render_text()
    topics = {m.topic: m.value for m in extract(
        {k: v.text for k, v in published("huaian_city_gov_2024").narrative.items()}).mentions}
    assert topics["appeal.review"] == 351 and topics["appeal.litigation"] == 46
    assert topics["req.new"] == 3119 and topics["req.answered"] == 3050


def test_unrelated_counts_are_not_applications():
    figures = extract({"other_matters": "我办承办市十六届人大三次会议代表建议1件，召开1次新闻发布会，"
                                        "门户网站共发布340条信息，办理政协提案2件，高效办成一件事。"})
    assert figures.mentions == []


# --- mutation: every input cell of tables 三 and 四 is covered by an error -------------
_MUTABLE = [c.key for c in FORMAT.cells if c.table in ("requests", "appeals")]


def test_mutating_any_cell_of_tables_three_and_four_raises_an_error_on_that_cell():
    base = seed()
    assert not run_checks(base).has_errors
    missed = []
    for key in _MUTABLE:
        r = seed()
        r.values[key] = r.num(key) + 1
        result = run_checks(r, rules=["C1", "C2", "C3", "C5", "D1"])
        if not any(ref(key) in f.cells for f in result.errors):
            missed.append(key)
    assert missed == []
