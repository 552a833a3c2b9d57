"""Whole saved portal pages: the report is found inside navigation, footers
and scripts; the title comes from the headline or <title> when the body has
none. Fixtures: tests/fixtures/import/portal-*.html (synthetic, written by
make_portal.py from the demo report's figures; header cells split over <p>,
the rotated group label as "三、本" / "年度办" / "理结果")."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from nianbao.check import run_checks
from nianbao.importer import import_report
from nianbao.reportjson import to_dict

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests/fixtures/import"
DEMO = json.loads((ROOT / "examples/demo-agency/2024.json").read_text("utf-8"))
AGENCY = "示例市市场监督管理局"


def _exact(r) -> None:
    got = to_dict(r.report, extras=False)
    for table in ("active", "requests", "appeals"):
        assert got[table] == DEMO[table], table
    assert (got["agency"], got["year"]) == (AGENCY, 2024)


def test_full_portal_page_imports_with_its_agency(tmp_path):
    r = import_report(FIX / "portal-page.html")
    assert not r.uncertain, r.reasons
    _exact(r)
    m = r.report.meta
    assert m["title"] == f"{AGENCY}2024年政府信息公开工作年度报告"
    assert m["phone"] == "010-12345678"                 # the report's, not the footer's 010-87654321
    assert m["publish_date"] == "2025-01-20"
    other = r.report.narrative["other_matters"].text
    assert other == "本年度未收取信息处理费。"             # no share bar, related links or footer
    assert len(m["headings"]) == 6
    out = tmp_path / "2024.xlsx"
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(FIX / "portal-page.html"), "-o", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    p = subprocess.run([sys.executable, "-m", "nianbao", "export", str(out)], capture_output=True, text=True)
    assert p.returncode == 0 and json.loads(p.stdout)["agency"] == AGENCY


def test_page_without_title_line_takes_title_from_page_title_and_no_false_g2():
    r = import_report(FIX / "portal-no-title.html")
    _exact(r)
    assert r.report.meta["title"] == f"{AGENCY}2024年政府信息公开工作年度报告"
    assert any("网页标题" in w for w in r.warnings)
    res = run_checks(r.report, rules=["G2"])
    assert not res.findings, [f.message for f in res.findings]


def test_no_title_anywhere_is_refused_not_written(tmp_path):
    html = (FIX / "portal-no-title.html").read_text("utf-8")
    start, end = html.index("<title>"), html.index("</title>") + len("</title>")
    src = tmp_path / "page.html"
    src.write_text(html[:start] + html[end:], "utf-8")
    r = import_report(src)
    assert r.report.meta["title"] == "" and not r.report.meta["agency"]
    res = run_checks(r.report, rules=["G2"])             # the first paragraph is not taken as the title
    assert not res.findings
    out = tmp_path / "x.xlsx"
    p = subprocess.run([sys.executable, "-m", "nianbao", "import", str(src), "-o", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and not out.exists() and "机关全称" in p.stdout + p.stderr


def test_header_shifted_against_the_figures_is_not_silently_placed(tmp_path):
    """其他 moved out of 法人或其他组织 in the header: the header map is one
    column off from the figures, 总计 lands on nothing. Refused, not placed quietly."""
    html = (FIX / "portal-page.html").read_text("utf-8")
    sub = "<td><p>其他</p></td></tr>"
    assert sub in html
    html = html.replace(sub, "</tr>").replace('<td rowspan="2"><p>总</p><p>计</p></td>',
                                              '<td rowspan="2"><p>其他</p></td><td rowspan="2"><p>总</p><p>计</p></td>')
    src = tmp_path / "shifted.html"
    src.write_text(html, "utf-8")
    r = import_report(src, accept_uncertain=True)
    assert r.uncertain and any("错位" in x for x in r.reasons)
