"""Shared helpers for the renderer tests: the seed report and golden files.

Not a test module itself (no tests); other ``test_render*`` modules import it.
"""
from __future__ import annotations

from conftest import SHARED

import difflib
import os
import re
from dataclasses import replace
from pathlib import Path

from nianbao import reportjson
from nianbao.model import IndicatorValue, NarrativeText, Report

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
SEED = HERE.parent.parent / "shared" / "samples" / "seed"
if not SEED.is_dir():
    SEED = (SHARED / "samples/seed")

SEED_META = {
    "short_name": "市外办",
    "agency_kind": "部门",
    "contact_office": "淄博市人民政府外事办公室",
    "address": "淄博市高新区柳泉路312号701室",
    "postcode": "255086",
    "phone": "0533-2771826",
    "fax": "0533-2775485",
    "email": "xuandiaokewb@zb.shandong.cn",
    "publish_date": "2024-01-20",
}

# The seed's indicator figures, read from its narrative; last year's are made up.
SEED_INDICATORS = (
    ("portal_posts", "门户网站发布信息", "条", 340, 310),
    ("new_media_posts", "政务新媒体发布信息", "条", 394, 352),
    ("new_media_followers", "新媒体关注人数", "人", 3439, 3011),
    ("policy_interpretations", "政策解读", "篇", 5, 4),
    ("press_conferences", "新闻发布会", "场", 1, 1),
    ("site_visits", "网站访问量", "人次", 164516, 150233),
    ("column_updates", "信息公开专栏更新", "条", 85, 80),
    ("trainings", "业务培训", "次", 1, 2),
)

_PARTS = ("active", "requests", "management", "platforms", "oversight")


def _seed_narrative(text: str) -> dict[str, NarrativeText]:
    """Split the seed report's text into the workbook's narrative parts."""
    lines = [ln.strip() for ln in text.splitlines()]
    def between(start: str, end: str) -> list[str]:
        i = lines.index(start)
        j = lines.index(end)
        return [ln for ln in lines[i + 1:j] if ln]
    out: dict[str, NarrativeText] = {}
    one = between("一、总体情况", "二、主动公开政府信息情况")
    out["overview"] = NarrativeText("", one[0])
    for key, line in zip(_PARTS, one[1:]):
        m = re.match(r"（[一二三四五]）(.+?)。(.*)", line)
        out[key] = NarrativeText(m.group(1), m.group(2))
    # Computed, never typed: the count and the comparison with last year.
    req = out["requests"]
    out["requests"] = replace(req, text=req.text.replace(
        "全年共收到2件政府信息公开申请，比上年增加了1件。",
        "全年共收到{新收申请总数}件政府信息公开申请，{新收申请总数比上年}。"))
    assert "{新收申请总数比上年}" in out["requests"].text
    out["problems"] = NarrativeText("", "\n".join(between("五、存在的主要问题及改进情况",
                                                          "六、其他需要报告的事项")))
    i = lines.index("六、其他需要报告的事项")
    out["other_matters"] = NarrativeText("", "\n".join(ln for ln in lines[i + 1:] if ln))
    return out


def seed_report() -> Report:
    """The 淄博市外办 2023 report: figures from its JSON, text from its page."""
    report = reportjson.load(SEED / "zibo-fao-2023.expected.json")
    report.meta.update(SEED_META)
    report.narrative.update(_seed_narrative((SEED / "zibo-fao-2023.txt").read_text("utf-8")))
    report.indicators = [IndicatorValue(k, label, unit, value) for k, label, unit, value, _ in SEED_INDICATORS]
    return report


def seed_prior() -> Report:
    """A 2022 report for the seed agency: one application less than 2023."""
    prior = reportjson.load(SEED / "zibo-fao-2023.expected.json")
    prior.meta.update(SEED_META)
    prior.meta["year"] = 2022
    for row in ("new_received", "disclosed", "total_processed"):
        for col in ("natural_person", "total"):
            prior.values[f"requests.{row}.{col}"] = 1
    prior.indicators = [IndicatorValue(k, label, unit, before) for k, label, unit, _, before in SEED_INDICATORS]
    return prior


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/<name>``.

    Update the golden files with ``NIANBAO_UPDATE_GOLDEN=1 pytest tests/test_render_golden.py``
    and review the diff before committing.
    """
    path = GOLDEN / name
    if os.environ.get("NIANBAO_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"golden file {path} missing; run with NIANBAO_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), text.splitlines(),
                                              f"golden/{name}", "rendered", lineterm="", n=2))
        raise AssertionError(f"rendered output differs from golden/{name}:\n{diff[:6000]}")


def docx_text(path: str | os.PathLike) -> str:
    """A Word file as reviewable text: paragraphs (with style) and table cells.

    Table rows list every grid position: ``^`` marks a cell merged with the one
    above, ``<`` one merged with the cell to its left, so merges are compared too.
    """
    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(str(path))
    out: list[str] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            p = Paragraph(el, doc)
            if p.text.strip():
                out.append(f"[{p.style.name}] {p.text}")
            elif el.findall(".//" + qn("w:drawing")):
                out.append(f"[{p.style.name}] <image>")
        elif el.tag == qn("w:tbl"):
            table = Table(el, doc)
            out.append("<table>")
            above: list = []
            for row in table.rows:
                cells = row.cells
                texts = []
                for i, cell in enumerate(cells):
                    if i > 0 and cell._tc is cells[i - 1]._tc:
                        texts.append("<")
                    elif i < len(above) and cell._tc is above[i]._tc:
                        texts.append("^")
                    else:
                        texts.append(cell.text.replace("\n", "⏎"))
                above = cells
                out.append(" | ".join(texts))
            out.append("</table>")
    return "\n".join(out) + "\n"


def html_outline(html: str) -> str:
    """An HTML page as reviewable text: headings, paragraphs, table cells with spans."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    out: list[str] = [f"<html lang={root.get('lang')}>"]
    title = root.find(".//title")
    out.append(f"<title> {title.text_content()}")
    for el in root.iter("h1", "h2", "p", "tr", "figure"):
        if el.tag == "tr":
            cells = []
            for c in el.iterchildren("th", "td"):
                span = "".join(f" {a}={c.get(a)}" for a in ("rowspan", "colspan") if c.get(a))
                cells.append(f"{c.tag}{span}: {' '.join(c.text_content().split())}")
            out.append("<tr> " + " | ".join(cells))
        elif el.tag == "figure":
            img = el.find(".//img")
            out.append(f"<figure> {img.get('alt')} ({img.get('src')[:22]}…)")
        else:
            out.append(f"<{el.tag}> {' '.join(el.text_content().split())}")
    return "\n".join(out) + "\n"
