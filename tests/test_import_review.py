"""Reviewer findings on the importer: headings shared with the checker,
table names in messages, more than one report in a source, 2019-format
labels, and summary labels taken from the format."""
from __future__ import annotations

from conftest import SHARED

from pathlib import Path

import pytest

from nianbao.check import run_checks
from nianbao.format import FORMAT
from nianbao.importer import UncertainImport, import_report

PUB = (SHARED / "samples/published")
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


# --- 1. more than one report in a source -----------------------------------------

def _write(tmp_path: Path, text: str, name: str = "r.txt") -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


def test_two_reports_refused_and_first_read_alone(tmp_path):
    import json
    from nianbao.reportjson import to_dict
    p = _write(tmp_path, H24.read_text("utf-8") + H23.read_text("utf-8"))
    with pytest.raises(UncertainImport) as e:
        import_report(p)
    assert e.value.exit_code == 2
    text = e.value.render()
    n24 = len(H24.read_text("utf-8").splitlines())
    assert f"来源中似乎有不止一份年度报告（第 {n24 + 2} 行又出现了" in text and "请一份一份导入" in text
    r = import_report(p, accept_uncertain=True)
    assert r.uncertain
    assert "结论：导入不确定" in r.render_summary()
    expected = json.loads((H24.parent / "expected.json").read_text("utf-8"))
    assert to_dict(r.report, extras=False) == expected
    assert "2023" not in r.report.narrative["other_matters"].text


def test_same_report_twice_refused(tmp_path):
    p = _write(tmp_path, H24.read_text("utf-8") * 2)
    with pytest.raises(UncertainImport) as e:
        import_report(p)
    assert "一、总体情况" in e.value.render() and "不止一份年度报告" in e.value.render()


def test_table_three_note_twice_refused(tmp_path):
    lines = H24.read_text("utf-8").splitlines()
    at = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    lines[at:at] = [FORMAT.request_note]
    lines.insert(lines.index("三、收到和处理政府信息公开申请情况") + 1, FORMAT.request_note)
    r = import_report(_write(tmp_path, "\n".join(lines)), accept_uncertain=True)
    assert any("不止一份年度报告" in w and "勾稽说明" in w for w in r.reasons)


def test_running_title_and_table_of_contents_are_not_a_second_report(tmp_path):
    lines = H24.read_text("utf-8").splitlines()
    for at in (100, 60, 30):            # a page header repeating the title
        lines.insert(at, "2024年政府信息公开工作年度报告")
    r = import_report(_write(tmp_path, "\n".join(lines)), accept_uncertain=True)
    assert not any("不止一份" in w for w in r.warnings)
    toc = ["目录"] + [s.heading for s in FORMAT.sections]
    lines = H24.read_text("utf-8").splitlines()
    lines[2:2] = toc
    r = import_report(_write(tmp_path, "\n".join(lines), "toc.txt"), accept_uncertain=True)
    assert not any("不止一份" in w for w in r.warnings)


# --- 4. figures named by the table they sit in -------------------------------------

def test_table_two_figures_in_table_three_part_named_as_table_two():
    with pytest.raises(UncertainImport):
        import_report(SHANGHAI)          # still refused
    r = import_report(SHANGHAI, accept_uncertain=True)
    assert not any("表三中的数字“97”" in w for w in r.warnings)
    assert any(w.startswith("第 77 行：表二中的数字“97”（“行政许可”行）") for w in r.warnings)
    assert any("表二中的数字“13 0 55”（“行政规范性文件”行）" in w for w in r.warnings)


def test_same_row_twice_in_one_table(tmp_path):
    text = H24.read_text("utf-8").replace("（七）总计 95 0 0 0 0 0 95",
                                          "（七）总计 95 0 0 0 0 0 95\n（一）予以公开 50 0 0 0 0 0 50")
    assert text != H24.read_text("utf-8")
    r = import_report(_write(tmp_path, text), accept_uncertain=True)
    assert any("“（一）予以公开”行的数字第二次出现" in w for w in r.reasons)


# --- 6. summary labels come from the format ------------------------------------------

def test_summary_labels_follow_the_format():
    """Every label the summary shows is read from the report's format, none is spelt in the importer."""
    from dataclasses import replace
    r = import_report(H24)
    fmt = r.report.format
    renamed = replace(
        fmt,
        sections=tuple(replace(s, heading=s.heading + "甲") for s in fmt.sections),
        active_blocks=tuple(replace(b, rows=tuple(replace(row, labels=(row.labels[0] + "乙",)) for row in b.rows))
                            for b in fmt.active_blocks),
        request_columns=fmt.request_columns[:-1] + (replace(fmt.request_columns[-1], label="合计丙"),),
        appeal_groups=tuple(replace(g, label=g.label + "丁") for g in fmt.appeal_groups))
    r.report.format = renamed
    df = r.summary_frame()
    items = set(df["项目"])
    assert {"行政许可乙", "行政复议丁·总计", "（七）总计·合计丙", "四、结转下年度继续办理·合计丙"} <= items
    assert {"二、主动公开政府信息情况甲", "四、政府信息公开行政复议、行政诉讼情况甲"} <= set(df["部分"])
    assert "（六）其他处理（一行）·合计丙" in items


# --- 7. 2019-format table 二 --------------------------------------------------------

def test_2019_format_labels_recorded_and_warned(tmp_path):
    text = H24.read_text("utf-8").replace("信息内容 本年制发件数 本年废止件数 现行有效件数",
                                          "信息内容 本年新制作数量 本年新公开数量 对外公开总数量")
    r = import_report(_write(tmp_path, text), accept_uncertain=True)
    assert r.report.meta["format_seen"] == "gov-2019"
    assert any("2019 年格式" in w and "本年新制作数量" in w for w in r.warnings)
    assert any("2019 年格式" in line for line in r.render_summary().splitlines())


def test_current_format_not_flagged():
    for path in (H23, H24):
        r = import_report(path)
        assert "format_seen" not in r.report.meta
        assert not any("2019 年格式的栏目" in w for w in r.warnings)
