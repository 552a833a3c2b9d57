"""The narrative figure extractor against a corpus of real-report phrasings (issue 15).

Every sentence of tests/narrative_corpus.py is read on its own (extraction: topic and value),
then placed in the demo report's （二）依申请公开 text and checked against the demo tables: a
figure that differs from its table cells gets a finding of its rule (F1–F3, D2, B4) with that
figure, one that agrees gets none.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import pytest

from narrative_corpus import CORPUS, rule_of
from nianbao.check import run_checks
from nianbao.check.context import Context
from nianbao.check.narrative import extract
from nianbao.check.rules.common import EPS, topic_keys
from nianbao.model import NarrativeText, Report
from nianbao.workbook.reader import read_workbook

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-agency"


@lru_cache(maxsize=None)
def _demo(year: int) -> Report:
    return read_workbook(DEMO / f"{year}.xlsx")


def demo(year: int = 2024) -> Report:
    base = _demo(year)
    return copy.deepcopy(base, {id(base.format): base.format})


def test_corpus_is_large_enough():
    assert len([t for t, expected in CORPUS if expected]) >= 60


@pytest.mark.parametrize("text,expected", CORPUS, ids=[t[:24] for t, _ in CORPUS])
def test_extractor_reads_each_phrasing(text, expected):
    got = tuple((m.topic, m.value) for m in extract({"requests": text}).mentions)
    assert got == expected


def _with_requests_text(text: str) -> Report:
    report = demo()
    report.narrative["requests"] = NarrativeText("", text)
    return report


@pytest.mark.parametrize("text,expected", [c for c in CORPUS if any(t != "delta" for t, _ in c[1])],
                         ids=[t[:24] for t, e in CORPUS if any(x != "delta" for x, _ in e)])
def test_check_compares_each_figure_with_its_table(text, expected):
    report = _with_requests_text(text)
    result = run_checks(report)
    ctx = Context(report)
    for topic, value in expected:
        if topic == "delta":
            continue
        rule = rule_of(topic)
        keys, _ = topic_keys(ctx, "req.new" if topic == "req.handled" else topic)   # 处理…申请: F1 as 一
        table = ctx.total(keys)
        incl = next((m for m in ctx.figures.mentions if m.topic == topic and m.value == value), None)
        if topic in ("req.new", "req.handled") and incl is not None and incl.incl_carried:
            table = ctx.total(keys) + ctx.num("requests.carried_over.total")
        hits = [f for f in result.findings if f.rule == rule and f.actual == value
                and "narrative.requests.text" in f.keys]
        if topic.startswith("req.pct."):          # a share of 三（七）, within rounding
            table = round(100 * table / ctx.num("requests.total_processed.total"), 2)
            if abs(table - value) <= 0.51:
                table = value
        if abs(table - value) < EPS:
            assert not hits, f"{rule} should accept {value} ({topic}) = table {table}: {hits[0].message}"
        else:
            assert hits, f"{rule} should report {value} ({topic}) against table {table}"
            assert hits[0].expected == table or topic.startswith("req.pct.")


def test_a_breakdown_in_the_next_sentence_is_checked():
    """Real province-level wording: the groups follow in the sentence after "申请"."""
    report = _with_requests_text("本年共受理政府信息公开申请70件。予以公开及部分公开258件，"
                                 "因本机关不掌握等原因无法提供265件。")
    f3 = [f for f in run_checks(report).findings if f.rule == "F3"]
    assert sorted(f.actual for f in f3) == [258, 265]
    assert sorted(f.expected for f in f3) == [13, 41]      # 29 + 12 予以公开 + 部分公开; 无法提供 13


def test_combined_review_and_litigation_figure():
    report = _with_requests_text("行政复议和行政诉讼案件11件。")
    d2 = [f for f in run_checks(report).findings if f.rule == "D2"]
    assert [(f.actual, f.expected) for f in d2] == [(11, 10)]


def test_template_wording_gets_checked_without_shenqing():
    """The demo template writes "办结{办理结果总数}件"; a typed 72 there must be caught."""
    report = _with_requests_text("本年新收73件。办结72件。结转下年度继续办理8件。")
    found = {(f.rule, f.actual) for f in run_checks(report).findings}
    assert {("F1", 73), ("F2", 72), ("F2", 8)} <= found


def test_comparison_phrase_of_another_figure_is_not_the_requests():
    """F1 must not read the portal-posts comparison as a change in the applications."""
    report, prior = demo(), demo(2023)
    report.narrative["requests"] = NarrativeText(
        "", "本年新收政府信息公开申请{新收申请总数}件，门户网站发布信息{门户网站发布信息比上年}。")
    f1 = [f for f in run_checks(report, prior).findings if f.rule == "F1"]
    assert f1 == []
    report.narrative["requests"] = NarrativeText("", "本年新收政府信息公开申请{新收申请总数}件，比上年减少99件。")
    f1 = [f for f in run_checks(report, prior).findings if f.rule == "F1"]
    assert len(f1) == 1 and f1[0].actual == -99


def test_placeholder_comparison_of_another_figure_is_not_taken_for_the_requests():
    """"{办理结果总数比上年}" right after the requests is the processed figure's change."""
    report, prior = demo(), demo(2023)
    report.values["requests.total_processed.total"] = 60        # +4 on last year, the requests +13
    report.narrative["requests"] = NarrativeText(
        "", "本年新收政府信息公开申请{新收申请总数}件，{办理结果总数比上年}。")
    result = run_checks(report, prior)
    assert [r.status for r in result.runs if r.rule == "F1"] == ["run"]
    assert [f for f in result.findings if f.rule == "F1"] == []
    report.narrative["requests"] = NarrativeText("", "本年新收政府信息公开申请{新收申请总数}件，{新收申请总数比上年}。")
    assert [f for f in run_checks(report, prior).findings if f.rule == "F1"] == []
