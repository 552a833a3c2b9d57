"""A 2019-format report (国办公开办函〔2019〕60号) imports into the 2019 model.

Fixture: tests/fixtures/import/gov2019-report.txt (synthetic; 2019 table 二
columns, negative 本年增/减, （六）其他处理 as one row, and a sentence about
publishing the office address that is not a contact sentence).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from nianbao.check import run_checks
from nianbao.check.rule import ERROR
from nianbao.format import FORMAT
from nianbao.format.gov2019 import GOV_2019
from nianbao.importer import import_report
from nianbao.reportjson import load, to_dict

SRC = Path(__file__).resolve().parent / "fixtures/import/gov2019-report.txt"


def test_table_two_placed_by_2019_labels_never_into_2021_columns():
    r = import_report(SRC)
    assert not r.uncertain, r.reasons
    rep = r.report
    assert rep.format is GOV_2019
    d = to_dict(rep, extras=False)
    assert d["format"] == "gov-2019" and d["agency"] == "示例省示例厅" and d["year"] == 2020
    assert d["active"] == {
        "regulations": {"made": 0, "published": 0, "published_total": 0},
        "normative_documents": {"made": 4, "published": 4, "published_total": 31},
        "licensing": {"prior_items": 12, "change": -2, "decisions": 356},
        "other_services": {"prior_items": 5, "change": 0, "decisions": 18},
        "penalties": {"prior_items": 8, "change": 1, "decisions": 41},
        "coercion": {"prior_items": 2, "change": 0, "decisions": 3},
        "fees": {"prior_items": 3, "change": -1},
        "procurement": {"items": 6, "amount": 128.5},
    }
    # no 2021 table-二 key exists in the 2019 model: nothing can be mapped by position
    assert not set(rep.values) & {c.key for c in FORMAT.cells_of("active")}
    # tables 三 and 四 as printed; （六）其他处理 kept as its one row
    assert d["requests"]["total_processed"]["total"] == 14 and d["appeals"]["litigation_direct"]["total"] == 1
    assert rep.other_combined["total"] == 0
    assert any("2019 年试行格式" in w and "gov-2019" in w for w in r.warnings)
    # "公开本厅机构职能、办公地址、联系方式等信息" is not a contact sentence
    assert "address" not in rep.meta


def test_workbook_refused_json_written_and_checked(tmp_path):
    xlsx = tmp_path / "2020.xlsx"
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(SRC), "-o", str(xlsx)],
                       capture_output=True, text=True)
    out = p.stdout + p.stderr
    assert p.returncode == 2 and not xlsx.exists() and "Traceback" not in out
    assert "2019 年试行格式" in out and "-o 2020.json" in out
    js = tmp_path / "2020.json"
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(SRC), "-o", str(js)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    data = json.loads(js.read_text("utf-8"))
    assert data["format"] == "gov-2019" and data["active"]["licensing"]["change"] == -2
    back = load(js)
    assert back.format is GOV_2019 and back.values["active.fees.change"] == -1
    res = run_checks(back, rules=["A5"])
    assert [r.status for r in res.runs] == ["run"] and not res.findings


def test_rule_a5_runs_only_on_2019_reports():
    rep = import_report(SRC).report
    rep.values["active.licensing.change"] = 2.5            # not a whole number
    rep.values["active.penalties.decisions"] = -4          # counts stay ≥ 0
    res = run_checks(rep, rules=["A5"])
    msgs = [f.message for f in res.findings]
    assert len(msgs) == 2 and any("本年增/减" in m and "2.5" in m for m in msgs)
    assert any("处理决定数量" in m and "-4" in m for m in msgs)
    assert {f.severity for f in res.findings} == {ERROR}
    current = json.loads((Path(__file__).resolve().parents[1] / "examples/demo-agency/2024.json").read_text("utf-8"))
    from nianbao.reportjson import from_dict
    res = run_checks(from_dict(current), rules=["A5"])
    assert res.runs[0].status == "not_run" and "2019" in res.runs[0].reason


def test_a1_a4_do_not_call_2019_table_two_cells_blank():
    """A1 and A4 look at 2021 cells; a 2019 table 二 is A5's."""
    res = run_checks(import_report(SRC).report, rules=["A1", "A4"])
    assert not [f for f in res.findings if "表二" in f.message or "主动公开" in f.message], \
        [f.message for f in res.findings]
