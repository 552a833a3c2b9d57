"""The Word report opened with python-docx: structure, figures and GB/T 9704 styles."""
from __future__ import annotations

import pytest
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from test_render_support import seed_prior, seed_report

from nianbao.format import FORMAT
from nianbao.render import docx_template as T
from nianbao.render import render_docx
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
    assert "（地址：淄博市高新区柳泉路312号701室，邮编：255086，电话：0533-2771826，" \
           "传真：0533-2775485，电子邮箱：xuandiaokewb@zb.shandong.cn）" in opening


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
