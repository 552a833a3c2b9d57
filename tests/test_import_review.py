"""Reviewer findings on the importer: headings shared with the checker,
table names in messages, more than one report in a source, 2019-format
labels, and summary labels taken from the format."""
from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.check import run_checks
from nianbao.format import FORMAT
from nianbao.importer import UncertainImport, import_report

PUB = Path("/work/shared/samples/published")
SHANGHAI = PUB / "shanghai_stcsm_2024" / "source.txt"
H23 = PUB / "hongze_district_gov_2023" / "source.txt"
H24 = PUB / "hongze_district_gov_2024" / "source.txt"
OFFICIAL = {h for s in FORMAT.sections for h in (s.heading,) + s.variants}


def _missing_in_summary(result) -> set[str]:
    for w in result.warnings:
        if w.startswith("没有找到这些章节标题："):
            return {s.heading for s in FORMAT.sections if s.heading in w}
    return set()


# --- 5. import and check agree on the headings ---------------------------------

@pytest.mark.parametrize("path", [SHANGHAI, H23, H24], ids=lambda p: p.parent.name)
def test_headings_are_official_and_agree_with_rule_g1(path):
    r = import_report(path, accept_uncertain=True)
    heads = r.report.meta["headings"]
    assert heads and all(h in OFFICIAL for h in heads)
    g1 = {f.expected for f in run_checks(r.report, rules=["G1"]).findings}
    assert g1 == _missing_in_summary(r)


def test_shanghai_misses_only_two_and_five():
    r = import_report(SHANGHAI, accept_uncertain=True)
    assert r.report.meta["headings"] == ["一、总体情况", "三、收到和处理政府信息公开申请情况",
                                         "四、政府信息公开行政复议、行政诉讼情况", "六、其他需要报告的事项"]
    assert _missing_in_summary(r) == {"二、主动公开政府信息情况", "五、存在的主要问题及改进情况"}


def test_misspelt_heading_stored_as_official_text(tmp_path):
    text = H24.read_text("utf-8").replace("二、主动公开政府信息情况", "二、主动公开政府信息的情况")
    p = tmp_path / "r.txt"
    p.write_text(text, "utf-8")
    r = import_report(p)
    assert r.report.meta["headings"][1] == "二、主动公开政府信息情况"
    assert not run_checks(r.report, rules=["G1"]).findings
