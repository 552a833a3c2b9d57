"""The seed and the published samples import from their text to exactly
their expected.json; the ambiguous one is refused as uncertain."""
from __future__ import annotations

from conftest import SHARED

import json
from pathlib import Path

import pytest

from nianbao.errors import InputError
from nianbao.importer import UncertainImport, import_report
from nianbao.reportjson import to_dict

SAMPLES = (SHARED / "samples")
PUBLISHED = sorted(p for p in (SAMPLES / "published").iterdir() if (p / "source.txt").exists())
CLEAR = [p for p in PUBLISHED if not json.loads((p / "meta.json").read_text("utf-8")).get("ambiguous")]
AMBIGUOUS = [p for p in PUBLISHED if p not in CLEAR]


def _expected(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def test_seed_exact_with_meta_and_narrative():
    r = import_report(SAMPLES / "seed" / "zibo-fao-2023.txt")
    assert to_dict(r.report, extras=False) == _expected(SAMPLES / "seed" / "zibo-fao-2023.expected.json")
    m = r.report.meta
    assert (m["agency"], m["year"]) == ("淄博市人民政府外事办公室", 2023)
    assert m["title"] == "淄博市人民政府外事办公室2023年政府信息公开工作年度报告"
    assert m["address"] == "淄博市高新区柳泉路312号701室"
    assert (m["postcode"], m["phone"], m["fax"]) == ("255086", "0533-2771826", "0533-2775485")
    assert m["email"] == "xuandiaokewb@zb.shandong.cn"
    assert m["period"] == "2023年1月1日至2023年12月31日"
    assert len(m["headings"]) == 6
    n = r.report.narrative
    assert n["overview"].text.startswith("2023年，淄博市外办严格贯彻落实")
    titles = [n[k].title for k in ("active", "requests", "management", "platforms", "oversight")]
    assert titles == ["主动公开及时全面", "依申请公开规范准确", "政府信息管理平稳有序",
                      "平台建设科学多样", "监督保障情况良好"]
    assert n["active"].text.startswith("市外办始终秉持主动公开")
    assert n["problems"].text.startswith("我办的政务公开工作虽然取得一定成绩")
    assert n["other_matters"].text.startswith("1.2023年市外办无收取")
    assert not r.uncertain


@pytest.mark.parametrize("sample", CLEAR, ids=[p.name for p in CLEAR])
def test_published_sample_exact(sample):
    r = import_report(sample / "source.txt")
    assert to_dict(r.report, extras=False) == _expected(sample / "expected.json")
    meta = json.loads((sample / "meta.json").read_text("utf-8"))
    assert r.report.meta["year"] == meta["year"]
    assert r.report.meta["headings"][0] == "一、总体情况"


def test_hongze_2023_keeps_table_four_errors_and_warns_about_other_row():
    r = import_report(SAMPLES / "published" / "hongze_district_gov_2023" / "source.txt")
    v = r.report.values
    assert [v[f"appeals.review.{k}"] for k in ("upheld", "corrected", "other", "pending", "total")] == [10, 1, 0, 0, 0]
    assert v["appeals.litigation_after_review.upheld"] == 5
    assert v["appeals.litigation_after_review.total"] == 0
    assert r.report.other_combined["total"] == 0
    assert v["requests.other_no_correction.total"] is None
    assert any("其他处理" in w for w in r.warnings)
    assert r.report.meta["agency"] == "淮安市洪泽区人民政府"
    assert r.report.meta["title"].startswith("洪泽区人民政府2023年")
    assert r.report.meta["email"] == "hzzwgk@126.com"
    assert "1136条" in r.report.narrative["active"].text


def test_shuyang_blanks_stay_blank_and_publish_date():
    r = import_report(SAMPLES / "published" / "shuyang_county_drc_2023" / "source.txt")
    assert r.report.values["requests.new_received.commercial"] is None
    assert r.report.values["requests.new_received.total"] == 26
    assert r.report.meta["publish_date"] == "2024-01-17"
    assert "2024年1月17日" not in r.report.narrative["other_matters"].text


@pytest.mark.parametrize("sample", AMBIGUOUS, ids=[p.name for p in AMBIGUOUS])
def test_ambiguous_sample_refused_or_exact(sample):
    try:
        r = import_report(sample / "source.txt")
    except UncertainImport as e:
        assert e.exit_code == 2
        assert e.result.uncertain
        assert "不确定" in e.render()
        return
    assert to_dict(r.report, extras=False) == _expected(sample / "expected.json")


def test_uncertain_is_an_input_error():
    assert issubclass(UncertainImport, InputError)


def test_summary_is_chinese_and_lists_warnings():
    r = import_report(SAMPLES / "published" / "hongze_district_gov_2024" / "source.txt")
    text = r.render_summary()
    assert "淮安市洪泽区人民政府" in text and "本年新收政府信息公开申请数量" in text and "95" in text
    assert "其他处理" in text
    df = r.summary_frame()
    assert list(df.columns) == ["部分", "项目", "数值"]


def test_report_json_imports(tmp_path):
    src = SAMPLES / "seed" / "zibo-fao-2023.expected.json"
    r = import_report(src)
    assert to_dict(r.report, extras=False) == _expected(src)
    assert r.kind == "json"


def test_huaian_pdf_itself_exact_with_agency():
    """The published PDF (made with WPS): every figure exact, and the page
    footer "- 1 -" above the title is not glued to the agency."""
    sample = SAMPLES / "published" / "huaian_city_gov_2024"
    r = import_report(sample / "source.pdf")
    expected = _expected(sample / "expected.json")
    got = to_dict(r.report, extras=False)
    for table in ("active", "requests", "appeals"):
        assert got[table] == expected[table]
    assert r.report.meta["agency"] == "淮安市人民政府"
    assert r.report.meta["title"] == "淮安市人民政府2024 年政府信息公开工作年度报告"
    assert r.report.meta["year"] == 2024
