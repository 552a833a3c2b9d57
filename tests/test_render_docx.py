"""The Word report opened with python-docx: structure, figures and GB/T 9704 styles."""
from __future__ import annotations

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from test_render_support import seed_prior, seed_report

from nianbao.format import FORMAT
from nianbao.render import docx_template as T
from nianbao.render import render_docx
from nianbao.render.chartlist import ChartImage
from nianbao.render.docx import COLUMN_MM
from nianbao.values import NotApplicable


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("docx") / "report.docx"
    report = seed_report()
    report.values["active.regulations.issued"] = NotApplicable("/")
    report.values["active.regulations.repealed"] = None
    result = render_docx(report, seed_prior(), out)
    return result, Document(str(out))


def test_six_headings_in_order(rendered):
    _, doc = rendered
    headings = [p.text for p in doc.paragraphs if p.style.name == T.S_H1]
    assert headings == [s.heading for s in FORMAT.sections]


def test_title_and_opening(rendered):
    _, doc = rendered
    title = doc.paragraphs[0]
    assert title.style.name == T.S_TITLE
    assert title.text == "淄博市人民政府外事办公室\n2023年政府信息公开工作年度报告"
    opening = doc.paragraphs[1].text
    assert "统计期限自2023年1月1日起，至2023年12月31日止" in opening
    # Phone numbers with a non-breaking hyphen held by word joiners: never split at a line end.
    nb = "\u2060-\u2060"
    assert f"（地址：淄博市高新区柳泉路312号701室，邮编：255086，电话：0533{nb}2771826，" \
           f"传真：0533{nb}2775485，电子邮箱：xuandiaokewb@zb.shandong.cn）" in opening
    assert doc.paragraphs[1].alignment is None          # justified, as the body style
    assert doc.styles[T.S_BODY].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY


def test_placeholders_filled_from_figures(rendered):
    result, doc = rendered
    assert result.problems == []
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "全年共收到2件政府信息公开申请，比上年增加1件。" in text
    assert "{" not in text


def test_table_three_has_25_rows_and_7_data_columns(rendered):
    _, doc = rendered
    table = doc.tables[1]
    assert len(table.rows) == 3 + 25
    assert len(table.columns) == 3 + 7
    data = [[c.text for c in row.cells[3:]] for row in table.rows[3:]]
    assert len(data) == 25 and all(len(r) == 7 for r in data)
    report = seed_report()
    for row, cells in zip(FORMAT.request_rows, data):
        assert cells == [str(report.get(f"requests.{row.key}.{c.key}")) for c in FORMAT.request_columns]
    assert data[0] == ["2", "0", "0", "0", "0", "0", "2"]
    # The official merges: 勾稽 note over A1:C3, 三、本年度办理结果 over 22 rows.
    assert table.cell(0, 0)._tc is table.cell(2, 2)._tc
    assert table.cell(0, 3)._tc is table.cell(0, 9)._tc
    column_a = [table.cell(r, 0)._tc for r in range(5, 27)]
    assert all(tc is column_a[0] for tc in column_a)
    assert table.cell(27, 0)._tc is not column_a[0]


def test_table_two_and_four_layout(rendered):
    _, doc = rendered
    two, four = doc.tables[0], doc.tables[2]
    assert len(two.rows) == 14 and len(two.columns) == 4
    assert [c.text for c in two.rows[3].cells] == ["行政规范性文件", "0", "0", "0"]
    # Blank stays blank, "/" is printed as typed.
    assert [c.text for c in two.rows[2].cells] == ["规章", "/", "", "0"]
    assert len(four.rows) == 4 and len(four.columns) == 15
    assert four.cell(0, 5)._tc is four.cell(0, 14)._tc          # 行政诉讼 over 10
    assert four.cell(1, 0)._tc is four.cell(2, 0)._tc           # 结果维持 rowspan 2


def test_east_asian_fonts_on_styles(rendered):
    _, doc = rendered
    expected = {T.S_BODY: T.FANGSONG, T.S_TITLE: T.XIAOBIAOSONG, T.S_H1: T.HEITI,
                T.S_H2: T.KAITI, T.S_LEAD: T.KAITI, T.S_TABLE_TEXT: T.FANGSONG,
                T.S_FOOTER: T.SONGTI}
    for name, font in expected.items():
        rfonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) == font, name
        assert rfonts.get(qn("w:eastAsiaTheme")) is None, name
    body = doc.styles[T.S_BODY].element.rPr.find(qn("w:rFonts"))
    assert body.get(qn("w:ascii")) == "Times New Roman"
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:rFonts"))
    assert defaults.get(qn("w:eastAsia")) == T.FANGSONG


def test_page_setup_and_body_spacing(rendered):
    _, doc = rendered
    sec = doc.sections[0]
    mm = [round(x.mm, 1) for x in (sec.page_width, sec.page_height, sec.top_margin,
                                   sec.bottom_margin, sec.left_margin, sec.right_margin)]
    assert mm == [210, 297, 37, 35, 28, 26]     # A4; GB/T 9704 margins
    body = doc.styles[T.S_BODY]
    assert body.font.size == Pt(16)
    pf = body.paragraph_format
    assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY and pf.line_spacing == Pt(28)
    ind = body.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert doc.styles[T.S_TITLE].font.size == Pt(22)


def test_footer_has_page_field_between_dashes(rendered):
    _, doc = rendered
    sec = doc.sections[0]
    for footer in (sec.footer, sec.even_page_footer):
        p = footer.paragraphs[0]
        assert p.style.name == T.S_FOOTER
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert p.text.startswith("— ") and p.text.endswith(" —")
    assert doc.styles[T.S_FOOTER].font.size == Pt(14)


def test_committed_template_is_current():
    assert T.TEMPLATE.read_bytes() == T.template_bytes(), \
        "templates/report.docx is stale: run python -c 'from nianbao.render.docx_template " \
        "import build_template; build_template()'"


def test_unresolved_placeholder_is_reported(tmp_path):
    report = seed_report()
    report.narrative["problems"].text = "申请{不存在的数}件，{新收申请总数比上年}。"
    result = render_docx(report, None, tmp_path / "r.docx")
    messages = [p.placeholder for p in result.problems]
    assert "{不存在的数}" in messages and "{新收申请总数比上年}" in messages
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx"]   # no temp files left


def test_no_japanese_theme_fallback_and_a_line_grid():
    import zipfile
    with zipfile.ZipFile(T.TEMPLATE) as z:
        settings = z.read("word/settings.xml").decode()
        theme = z.read("word/theme/theme1.xml").decode()
        fonts = z.read("word/fontTable.xml").decode()
        document = z.read("word/document.xml").decode()
        styles = z.read("word/styles.xml").decode()
    assert 'w:eastAsia="zh-CN"' in settings and "ja-JP" not in settings
    assert "ＭＳ" not in theme + fonts and 'script="Jpan"' not in theme
    assert '<a:ea typeface="仿宋_GB2312"/>' in theme and '<a:ea typeface="黑体"/>' in theme
    assert '<w:docGrid w:type="linesAndChars" w:linePitch="560" w:charSpace="-848"/>' in document
    assert T.grid_char_space() == -848          # 28 characters of 三号 in 156 mm
    assert '<w:overflowPunct w:val="0"/>' in styles       # no hanging punctuation (Word)
    assert '<w:spacing w:val="-5"/>' in styles            # 28 × 15.75 pt in 442.2 pt


def test_title_digits_in_the_title_font():
    rfonts = T.build_document().styles[T.S_TITLE].element.rPr.rFonts
    assert rfonts.get(qn("w:ascii")) == T.XIAOBIAOSONG == rfonts.get(qn("w:eastAsia"))


def test_table_three_label_vertical_and_wide_enough(rendered):
    _, doc = rendered
    table = doc.tables[1]
    vertical = [tc for tc in table._tbl.iter(qn("w:tc"))
                if tc.find(qn("w:tcPr")) is not None
                and tc.find(qn("w:tcPr")).find(qn("w:textDirection")) is not None]
    assert len(vertical) == 1
    assert "".join(t.text for t in vertical[0].iter(qn("w:t"))) == "三、本年度办理结果"
    # "（三）不予公开": 7 characters of 9 pt plus 2 mm of cell margins.
    assert COLUMN_MM["requests"][1] >= 7 * 9 / 72 * 25.4 + 2


def test_a_blank_line_after_each_table(rendered):
    _, doc = rendered
    for tbl in doc.element.body.iter(qn("w:tbl")):
        nxt = tbl.getnext()
        assert nxt.tag == qn("w:p") and not "".join(t.text for t in nxt.iter(qn("w:t")))


def test_table_two_breaks_only_between_two_blocks(rendered):
    _, doc = rendered
    rows = doc.tables[0].rows
    free = [i for i, row in enumerate(rows[:-1])
            if not row.cells[0].paragraphs[0].paragraph_format.keep_with_next]
    starts = [i for i, row in enumerate(rows) if row.cells[0].text.startswith("第二十条")]
    assert free == [starts[2] - 1], (free, starts)


def _pngs(tmp_path, n):
    from matplotlib.figure import Figure
    out = []
    for i in range(n):
        fig = Figure(figsize=(3, 2))
        fig.add_subplot().bar([0, 1], [i + 1, 2])
        fig.savefig(tmp_path / f"c{i}.png", dpi=50)
        out.append(tmp_path / f"c{i}.png")
    return out


def test_charts_numbered_in_given_order_on_an_annex_page(tmp_path):
    a, b = _pngs(tmp_path, 2)
    charts = [ChartImage("乙图", a), ChartImage("甲图", b)]
    result = render_docx(seed_report(), seed_prior(), tmp_path / "r.docx", charts=charts,
                         omitted=["行政复议、行政诉讼结果"])
    doc = Document(str(result.path))
    texts = [(p.style.name, p.text) for p in doc.paragraphs]
    i = texts.index((T.S_BODY, "附件：政府信息公开工作年度报告图表"))
    assert texts[i - 1] == (T.S_BODY, "")                      # one blank line below the body
    assert (T.S_ANNEX_LABEL, "附件") in texts[i:]
    captions = [t for s, t in texts if s == T.S_CAPTION]
    assert captions == ["图1 乙图", "图2 甲图"]
    assert (T.S_BODY, "“行政复议、行政诉讼结果”各项数值均为0，未绘制图表。") in texts
    assert len(doc.inline_shapes) == 2


def test_omitted_only_is_one_sentence_and_no_annex(tmp_path):
    result = render_docx(seed_report(), seed_prior(), tmp_path / "r.docx",
                         omitted=["政务公开工作指标", "行政复议、行政诉讼结果"])
    texts = [p.text for p in Document(str(result.path)).paragraphs]
    assert "附件" not in texts
    assert texts[-1] == "“政务公开工作指标”、“行政复议、行政诉讼结果”各项数值均为0，未绘制图表。"


def test_a_tall_chart_fits_the_type_area_with_its_caption(tmp_path):
    """The shipped table 二 and indicator charts are taller than wide: at the
    full 15 cm width they were 22–23 cm high, more than the 225 mm 版心 less
    the caption line, so the PDF clipped the chart's foot and its caption
    fell alone onto the next page."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 9.6))
    fig.add_subplot().bar([0, 1], [1, 2])
    fig.savefig(tmp_path / "tall.png", dpi=50)
    wide, = _pngs(tmp_path, 1)
    result = render_docx(seed_report(), seed_prior(), tmp_path / "r.docx",
                         charts=[ChartImage("高图", tmp_path / "tall.png"), ChartImage("宽图", wide)])
    tall_shape, wide_shape = Document(str(result.path)).inline_shapes
    caption_mm = (T.LINE_PT + T.LINE_PT / 2) * 25.4 / 72
    assert tall_shape.height.mm <= 225 - caption_mm - 5
    assert tall_shape.width.mm / tall_shape.height.mm == pytest.approx(6.4 / 9.6, rel=0.01)
    assert wide_shape.width.mm == pytest.approx(150)       # wide charts keep the full width


def test_fresh_cell_format_writes_what_python_docx_setters_write():
    """The table cells' fast formatting (appended in schema order) is the
    same XML as python-docx's own setters make, with and without keep-with-next."""
    from docx import Document
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.oxml.ns import qn
    from lxml import etree

    from nianbao.render.docx import _fresh_cell_format

    doc = Document()
    style_id = doc.styles["Normal"].style_id
    table = doc.add_table(rows=1, cols=4)
    a, b, c, d = table.rows[0].cells
    for cell, keep in ((a, True), (b, False)):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell.paragraphs[0]._p.style = style_id
        if keep:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    _fresh_cell_format(c._tc, style_id, True)
    _fresh_cell_format(d._tc, style_id, False)
    assert etree.tostring(c._tc) == etree.tostring(a._tc)
    assert etree.tostring(d._tc) == etree.tostring(b._tc)
    assert c._tc.find(qn("w:p")).find(qn("w:pPr")).find(qn("w:keepNext")) is not None
