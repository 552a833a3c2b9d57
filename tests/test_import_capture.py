"""Web-page text captures: cells run together, decoded only by the table's identities.

Fixtures are synthetic (tests/fixtures/import/, written by make_captures.py
from the demo report's figures): a header block, inline headings, stray
spaces inside runs, item numbers glued to figures, an empty 规章 row, the
先行有效件数 typo and narrative inside section 二.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.importer import UncertainImport, import_report
from nianbao.importer import decode as D
from nianbao.reportjson import to_dict

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests/fixtures/import"
DEMO = json.loads((ROOT / "examples/demo-agency/2024.json").read_text("utf-8"))


def test_unique_reading_imports_exactly_and_names_the_decoded_cells():
    r = import_report(FIX / "capture-decodable.txt")
    assert not r.uncertain, r.reasons
    got = to_dict(r.report, extras=False)
    assert got["agency"] == "示例市市场监督管理局" and got["year"] == 2024
    assert got["requests"] == DEMO["requests"]
    assert got["appeals"] == DEMO["appeals"]
    others = {k: v for k, v in DEMO["active"].items() if k != "regulations"}
    assert {k: v for k, v in got["active"].items() if k != "regulations"} == others
    # printed with no figures: blank, not 0
    assert all(r.report.values[f"active.regulations.{c}"] is None for c in ("issued", "repealed", "in_force"))
    assert any("规章" in w and "不是 0" in w for w in r.warnings)
    summary = r.render_summary()
    # the rows only the column identities decide, and the one only the narrative decides
    new = next(d for d in r.decoded if "一、本年新收" in d)
    assert "52、11、0、1、4、2、70" in new and "各列勾稽关系" in new
    assert any("（七）总计" in d and "51、12、0、1、3、2、69" in d and "各列勾稽关系" in d for d in r.decoded)
    assert any("行政规范性文件" in d and "3、1、28" in d and "正文" in d for d in r.decoded)
    assert any("表四" in d and "每栏合计" in d for d in r.decoded)
    assert "连在一起的数字已按表格的勾稽关系拆分" in summary and "5211014270" in summary
    assert r.report.meta.get("headings") and len(r.report.meta["headings"]) == 6
    # inline headings, sub-parts and the signature are put back on their own lines
    n = r.report.narrative
    assert [n[k].title for k in ("active", "requests", "management", "platforms", "oversight")] == \
        ["主动公开", "依申请公开", "政府信息管理", "平台建设", "监督保障"]
    assert n["other_matters"].text == "本年度未收取信息处理费。"
    m = r.report.meta
    assert (m["address"], m["postcode"], m["phone"]) == ("示例市人民路1号", "100001", "010-12345678")
    assert m["publish_date"] == "2025-01-20" and m["period"] == "2024年1月1日至2024年12月31日"


def test_two_readings_are_refused_side_by_side(tmp_path):
    src = FIX / "capture-two-readings.txt"
    with pytest.raises(UncertainImport) as e:
        import_report(src)
    msg = e.value.render()
    assert e.value.exit_code == 2
    assert "2 种读法" in msg
    assert "读法1 1、12、0、0、0、0、13" in msg and "读法2 11、2、0、0、0、0、13" in msg
    assert len(e.value.result.reasons) == 1, e.value.result.reasons     # the two readings, nothing else
    # --accept-uncertain never picks one: those rows stay blank
    r = import_report(src, accept_uncertain=True)
    assert r.uncertain
    # table 二 is read by its labels, not by the narrative sentence above it
    v = r.report.values
    assert [v[f"active.regulations.{c}"] for c in ("issued", "repealed", "in_force")] == [0, 0, 0]
    assert [v[f"active.normative_documents.{c}"] for c in ("issued", "repealed", "in_force")] == [3, 1, 28]
    for row in ("new_received", "disclosed", "total_processed"):
        assert r.report.values.get(f"requests.{row}.total") is None
    # the command refuses too, and writes nothing
    out = tmp_path / "x.xlsx"
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(src), "-o", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "读法2" in p.stdout + p.stderr and not out.exists()


def test_readings_prune_by_totals_and_refuse_when_unbounded():
    assert D.readings("120000012", 7, D.row_totals(7)) == [[12, 0, 0, 0, 0, 0, 12]]
    assert sorted(D.readings("5218", 3)) == [[5, 2, 18], [5, 21, 8], [52, 1, 8]]
    assert D.readings("0023", 2) == []                        # "00", "023": no leading zeros
    # fifteen cells in one run: each group's 总计 is forced, so the search stays small
    assert D.readings("200020000000000", 15, D.group_totals(3, 5)) == [[2, 0, 0, 0, 2] + [0] * 10]
    with pytest.raises(D.TooAmbiguous):
        D.readings("1" * 60, 15, None, limit=1000)
    col = D.Column("a", "b", "t", "f", ("r",))
    assert D.solve_rows({"a": [[1, 2], [12, 0]]}, {"b": [0, 0], "t": [1, 2], "f": [0, 0], "r": [1, 2]}, col) \
        == [{"a": [1, 2]}]


def test_import_never_exits_0_with_a_workbook_export_refuses(tmp_path):
    """No title, so no agency: the read-back fails, exit 2, nothing written,
    and an earlier file of that name is left as it was."""
    text = (FIX / "capture-decodable.txt").read_text("utf-8").replace(
        "示例市市场监督管理局2024年政府信息公开工作年度报告", "")
    src = tmp_path / "no-title.txt"
    src.write_text(text, "utf-8")
    out = tmp_path / "out.xlsx"
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(src), "-o", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "无法读回" in p.stdout + p.stderr and "机关全称" in p.stdout + p.stderr
    assert "Traceback" not in p.stderr and not out.exists()
    assert not list(tmp_path.glob(".out.*"))
    out.write_bytes(b"earlier")
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(src), "-o", str(out), "--force"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and out.read_bytes() == b"earlier"
    # the same capture with its title imports, and the workbook exports
    good = tmp_path / "good.xlsx"
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(FIX / "capture-decodable.txt"), "-o", str(good)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    p = subprocess.run([sys.executable, "-m", "nianbao", "export", str(good)], capture_output=True, text=True)
    assert p.returncode == 0 and json.loads(p.stdout)["agency"] == "示例市市场监督管理局"


def test_table_two_run_decided_by_the_prior_year_or_refused(tmp_path):
    """"3128" (制发 / 废止 / 现行有效) without the narrative sentence: 3,1,28 or
    3,12,8 or 31,2,8. Last year's 现行有效 26 leaves one; without it, refused."""
    text = (FIX / "capture-decodable.txt").read_text("utf-8").replace(
        "本年度制发行政规范性文件3件，废止1件，现行有效28件。", "")
    src = tmp_path / "c.txt"
    src.write_text(text, "utf-8")
    with pytest.raises(UncertainImport) as e:
        import_report(src)
    msg = e.value.render()
    assert "3 种读法" in msg and "读法1 3、1、28" in msg and "31、2、8" in msg
    from nianbao.reportjson import from_dict
    prior = from_dict(dict(DEMO, year=2023, active=dict(DEMO["active"], normative_documents={
        "issued": 2, "repealed": 0, "in_force": 26})))
    r = import_report(src, prior=prior)
    assert not r.uncertain, r.reasons
    assert [r.report.values[f"active.normative_documents.{c}"] for c in ("issued", "repealed", "in_force")] == [3, 1, 28]
    assert any("3128" in d and "上年现行有效件数" in d for d in r.decoded)


def test_tie_breaker_takes_only_stated_figures_not_phone_or_dates(tmp_path):
    """"1011" in the 规章 row reads 1,0,11 or 10,1,1; the narrative states no
    figure for 规章. The phone's area code (010-) and dates (1月1日) are not
    figures of the report: they must not pick 10,1,1 — the row is refused."""
    text = (FIX / "capture-decodable.txt").read_text("utf-8")
    assert "010-12345678" in text and "规章行政规范性文件" in text
    src = tmp_path / "regs.txt"
    src.write_text(text.replace("规章行政规范性文件", "规章1011行政规范性文件"), encoding="utf-8")
    with pytest.raises(UncertainImport) as refused:
        import_report(src)
    why = str(refused.value)
    assert "表二“规章”行" in why and "读法1 1、0、11 | 读法2 10、1、1" in why, why


def test_import_prior_option_decides_table_two(tmp_path, cli):
    """`nianbao import 来源 --prior 上年` hands last year's report to the decoder."""
    import json as _json

    text = (FIX / "capture-decodable.txt").read_text("utf-8").replace(
        "本年度制发行政规范性文件3件，废止1件，现行有效28件。", "")
    src = tmp_path / "c.txt"
    src.write_text(text, "utf-8")
    prior = tmp_path / "2023.json"
    prior.write_text(_json.dumps(dict(DEMO, year=2023, active=dict(DEMO["active"], normative_documents={
        "issued": 2, "repealed": 0, "in_force": 26})), ensure_ascii=False), "utf-8")
    code, _, err = cli("import", src, "-o", tmp_path / "a.xlsx")
    assert code == 2 and "3 种读法" in err
    code, out, err = cli("import", src, "-o", tmp_path / "b.xlsx", "--prior", prior)
    assert code == 0, out + err
    assert "上年现行有效件数" in out and (tmp_path / "b.xlsx").is_file()
