"""The HTML page: self-contained, escaped, tables with the official spans."""
from __future__ import annotations

import re

from lxml import html as lxml_html
from test_render_support import seed_prior, seed_report

from nianbao.format import FORMAT
from nianbao.render import render_html
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
