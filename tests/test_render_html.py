"""The HTML page: self-contained, escaped, tables with the official spans."""
from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess

import pytest
from lxml import html as lxml_html
from test_render_support import seed_prior, seed_report

from nianbao.format import FORMAT
from nianbao.render import render_html
from nianbao.render.chartlist import ChartImage
from nianbao.render.charts import chart_outcomes
from nianbao.render.html import html_text


def test_page_is_self_contained_and_escaped(tmp_path):
    report = seed_report()
    report.narrative["other_matters"].text = "<script>alert(1)</script> & “引号”"
    report.meta["agency"] = "某局<b>"
    charts = {"outcomes": chart_outcomes(report, seed_prior(), tmp_path / "c.png")}
    result = render_html(report, seed_prior(), tmp_path / "r.html", charts=charts)
    text = result.path.read_text("utf-8")
    assert '<html lang="zh-CN">' in text and '<meta charset="utf-8">' in text
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in text
    assert "某局&lt;b&gt;" in text
    assert not re.search(r'(src|href)="(https?:)?//', text)      # no external fetches
    assert 'src="data:image/png;base64,' in text


def test_tables_have_official_spans():
    text, _ = html_text(seed_report(), seed_prior())
    root = lxml_html.fromstring(text)
    headings = [h.text_content() for h in root.iter("h2")]
    assert headings == [s.heading for s in FORMAT.sections]
    requests = root.find(".//table[@class='requests']")
    rows = requests.findall("tr")
    assert len(rows) == 28
    note = rows[0][0]
    assert note.text_content() == FORMAT.request_note
    assert (note.get("rowspan"), note.get("colspan")) == ("3", "3")
    assert rows[0][1].get("colspan") == "7"
    result = next(c for c in requests.iter("th") if c.text_content() == "三、本年度办理结果")
    assert result.get("rowspan") == "22"
    org = next(c for c in requests.iter("th") if c.text_content() == "法人或其他组织")
    assert org.get("colspan") == "5"
    # Every row covers 10 grid columns once spans are counted.
    width = [0] * 28
    for r, row in enumerate(rows):
        for c in row:
            for k in range(int(c.get("rowspan", 1))):
                width[r + k] += int(c.get("colspan", 1))
    assert width == [10] * 28
    appeals = root.find(".//table[@class='appeals']")
    top = appeals.findall("tr")[0]
    assert [(c.text_content(), c.get("colspan")) for c in top] == [("行政复议", "5"), ("行政诉讼", "10")]


# --- in a real browser: 1280 px and a 390 px phone -------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--hide-scrollbars"]

#: Runs in the harness page once the report (in an iframe of the tested
#: width: headless Chromium's window is at least 500 px wide) has loaded.
_PROBE = """
document.getElementById('f').addEventListener('load', () => {
  const f = document.getElementById('f'), d = f.contentDocument, win = f.contentWindow;
  const out = {vw: win.innerWidth, sw: d.documentElement.scrollWidth, tables: {}, figures: []};
  for (const t of d.querySelectorAll('table')) {
    const cells = [...t.querySelectorAll('td')].map(td => td.getBoundingClientRect());
    out.tables[t.className] = {scroll: t.scrollWidth, box: t.parentElement.clientWidth,
      right: Math.max(...cells.map(r => r.right)),
      font: parseFloat(win.getComputedStyle(t.querySelector('td')).fontSize)};
  }
  for (const img of d.querySelectorAll('figure img')) out.figures.push(img.getBoundingClientRect().width);
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
"""


def _measure(page: str, width: int, tmp_path) -> dict:
    harness = tmp_path / f"harness-{width}.html"
    harness.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="f" style="border:0;width:{width}px;height:6000px" '
        f'srcdoc="{html_lib.escape(page, quote=True)}"></iframe>'
        f"<script>{_PROBE}</script></body></html>", "utf-8")
    dom = subprocess.run([CHROMIUM, *_FLAGS, f"--user-data-dir={tmp_path / f'profile-{width}'}",
                          "--window-size=1300,2000", "--dump-dom", harness.as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert found, dom[-2000:]
    return json.loads(html_lib.unescape(found.group(1)))


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_tables_readable_without_scrolling_the_page(width, tmp_path):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(8, 4))
    fig.add_subplot().bar(["a", "b"], [3, 5])
    fig.savefig(tmp_path / "c.svg")
    fig.savefig(tmp_path / "c.png", dpi=100)
    page, _ = html_text(seed_report(), seed_prior(),
                        charts=[ChartImage("办理结果", tmp_path / "c.png", tmp_path / "c.svg")])
    m = _measure(page, width, tmp_path)
    assert m["vw"] == width
    assert m["sw"] <= width, f"the page scrolls sideways at {width} px: {m['sw']}"
    for name in ("requests", "appeals"):
        t = m["tables"][name]
        assert t["scroll"] <= t["box"], (name, t)          # every figure in view, no inner scroll
        assert t["right"] <= width, (name, t)
        assert t["font"] >= 12, (name, t)
    assert m["figures"] and max(m["figures"]) <= width     # charts scale to the screen


def test_charts_captioned_in_order_with_svg_and_omitted_sentence(tmp_path):
    (tmp_path / "a.png").write_bytes(_PNG)
    (tmp_path / "b.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    charts = [ChartImage("乙", tmp_path / "a.png"), ChartImage("甲", tmp_path / "a.png", tmp_path / "b.svg")]
    page, _ = html_text(seed_report(), seed_prior(), charts=charts, omitted=["政务公开工作指标"])
    root = lxml_html.fromstring(page)
    assert [c.text_content() for c in root.iter("figcaption")] == ["图1 乙", "图2 甲"]
    srcs = [i.get("src")[:26] for i in root.iter("img")]
    assert srcs == ["data:image/png;base64,iVBO", "data:image/svg+xml;base64,"]
    texts = [p.text_content() for p in root.iter("p")]
    assert "附件：政府信息公开工作年度报告图表" in texts and "附件" in texts
    assert "“政务公开工作指标”各项数值均为0，未绘制图表。" in texts


def test_phone_numbers_and_email_kept_on_one_line():
    page, _ = html_text(seed_report(), seed_prior())
    root = lxml_html.fromstring(page)
    kept = [s.text_content() for s in root.find_class("nobr")]
    assert kept[:3] == ["0533-2771826", "0533-2775485", "xuandiaokewb@zb.shandong.cn"]
    assert "word-break: keep-all" not in page


_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
