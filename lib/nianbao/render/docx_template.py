"""The Word template (templates/report.docx): GB/T 9704-2012 styles in code.

The renderer only applies style names, so an office can restyle the report by
editing the template in Word. Generation is byte-stable (fixed properties and
zip timestamps) so a test can prove the committed template is current.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

#: The template shipped with the project.
TEMPLATE = Path(__file__).resolve().parents[3] / "templates" / "report.docx"

LATIN = "Times New Roman"
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

BODY_PT = 16          # 3号
TITLE_PT = 22         # 2号
PAGE_NO_PT = 14       # 4号
TABLE_PT = 10.5       # 五号
TABLE_SMALL_PT = 9    # 小五
LINE_PT = 28          # fixed line spacing: 22 lines on the 225 mm 版心
CHARS_PER_LINE = 28   # GB/T 9704-2012 7.1: 28 characters × 22 lines
TEXT_WIDTH_MM = 156   # 版心 width: A4 minus 28 mm (left) and 26 mm (right)

# Style names the renderer uses (Word built-ins where one fits).
S_TITLE, S_BODY, S_H1, S_H2 = "Title", "Normal", "Heading 1", "Heading 2"
S_LEAD = "Lead Heading"          # character style: the （一）… sub-heading run, 楷体
S_TABLE_TEXT = "Table Text"
S_TABLE_SMALL = "Table Text Small"     # table 三: 28 rows on one page
S_TABLE = "Report Table"
S_FIGURE = "Figure"
S_CAPTION = "Caption"            # "图1 标题" beneath each chart
S_ANNEX_LABEL = "Annex Label"    # "附件" at the top left of the 附件 page, 黑体
S_ANNEX_TITLE = "Annex Title"    # the 附件's title, 小标宋 二号 centred
S_AFTER_TABLE = "After Table"    # the blank line after each table
S_FOOTER = "Footer"

_FIXED_TIME = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def _rfonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Set every script's font explicitly; drop theme fonts, which would win."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _clear(style) -> None:
    """Forget what python-docx's default template put on a style."""
    for tag in ("w:pPr", "w:rPr", "w:tblPr", "w:tcPr", "w:trPr"):
        for el in style.element.findall(qn(tag)):
            style.element.remove(el)


def _char_indent(ppr, chars: int, pt: float, first_line: bool = True) -> None:
    """Indent by whole characters (w:firstLineChars), with a twips fallback."""
    ind = ppr.get_or_add_ind()      # keeps the schema's element order
    if first_line:
        ind.set(qn("w:firstLineChars"), str(chars * 100))
        ind.set(qn("w:firstLine"), str(int(chars * pt * 20)))


def _para_style(doc, name: str, east_asia: str, size: float, *, line_pt: float | None = LINE_PT,
                align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars: int = 0, bold: bool = False,
                outline: int | None = None, keep_next: bool = False, latin: str = LATIN,
                on_grid: bool = True):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(
        name, WD_STYLE_TYPE.PARAGRAPH)
    _clear(style)
    if name != S_BODY:
        style.base_style = styles[S_BODY]
    style.quick_style = True
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    _rfonts(style.element.get_or_add_rPr(), east_asia, latin)
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if line_pt is None:
        pf.line_spacing = 1.0
    else:
        pf.line_spacing = Pt(line_pt)   # a Length means "exactly"
    pf.first_line_indent = None
    pf.left_indent = None
    pf.keep_with_next = keep_next
    pf.widow_control = False
    ppr = style.element.get_or_add_pPr()
    if indent_chars:
        _char_indent(ppr, indent_chars, size)
    else:
        ind = ppr.get_or_add_ind()
        ind.set(qn("w:firstLine"), "0")
        ind.set(qn("w:firstLineChars"), "0")
    if name == S_BODY:
        _no_hanging_punctuation(ppr)
        _char_spacing(style.element.get_or_add_rPr(), CONDENSE_TWENTIETHS)
    if not on_grid:
        _off_grid(ppr)
        _char_spacing(style.element.get_or_add_rPr(), 0)
    if outline is not None:
        ol = OxmlElement("w:outlineLvl")
        ol.set(qn("w:val"), str(outline))
        ppr.insert_element_before(ol, "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
    return style


def grid_char_space(chars: int = CHARS_PER_LINE, width_mm: float = TEXT_WIDTH_MM,
                    font_pt: float = BODY_PT) -> int:
    """``w:docGrid/@w:charSpace`` for ``chars`` characters a line: Word's
    character pitch is the default font size plus charSpace/4096 pt
    (ECMA-376 17.6.5), so 28 三号 characters in 156 mm give −848."""
    pitch_pt = width_mm / 25.4 * 72 / chars
    return round((pitch_pt - font_pt) * 4096)


def _doc_grid(section) -> None:
    """A 28 × 22 grid (``w:docGrid`` linesAndChars, 28 pt lines), GB/T
    9704-2012 7.1. Word sets 28 characters a line from it; LibreOffice 7.4
    gives a character wider than its cell two cells, so the PDF conversion
    uses a ``lines`` grid and the body's condensed spacing
    (``CONDENSE_TWENTIETHS``) instead (``pdf.libreoffice_copy``)."""
    sectpr = section._sectPr
    grid = sectpr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sectpr.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PT * 20))
    grid.set(qn("w:charSpace"), str(grid_char_space()))


#: Body text condensed by 0.25 pt (``w:spacing`` −5 twentieths): 28 三号
#: characters at 15.75 pt fill the 156 mm (442.2 pt) line, 29 do not, with
#: or without Word's character grid (15.54 pt then).
CONDENSE_TWENTIETHS = -5


def _char_spacing(rpr, twentieths: int) -> None:
    el = rpr.find(qn("w:spacing"))
    if el is None:
        el = OxmlElement("w:spacing")
        rpr.append(el)
    el.set(qn("w:val"), str(twentieths))


def _off_grid(ppr) -> None:
    """``w:snapToGrid=0``: titles, tables, captions and page numbers keep
    their own size instead of taking whole grid cells."""
    el = OxmlElement("w:snapToGrid")
    el.set(qn("w:val"), "0")
    ppr.insert_element_before(el, "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                              "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                              "w:rPr", "w:sectPr", "w:pPrChange")


def _no_hanging_punctuation(ppr) -> None:
    """``w:overflowPunct=0``: line-end punctuation is squeezed into the line
    (公文 practice) instead of hanging past the type area, where LibreOffice
    may drop it from the PDF."""
    el = OxmlElement("w:overflowPunct")
    el.set(qn("w:val"), "0")
    ppr.insert_element_before(el, "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                              "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
                              "w:jc", "w:textDirection", "w:textAlignment",
                              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                              "w:rPr", "w:sectPr", "w:pPrChange")


def _chinese_theme(doc) -> None:
    """Replace python-docx's Japanese theme fallback (``themeFontLang``
    eastAsia ja-JP, ＭＳ 明朝/ＭＳ ゴシック) with Chinese theme fonts, so a run
    without an explicit East-Asian font falls back to 仿宋/黑体, not MS Mincho."""
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    for part in doc.part.package.iter_parts():
        name = str(part.partname)
        if name.startswith("/word/theme/"):
            xml = part.blob.decode("utf-8")
            xml = re.sub(r"<a:font script=\"Jpan\" typeface=\"[^\"]*\"/>", "", xml)
            for kind, ea in (("major", HEITI), ("minor", FANGSONG)):
                def chinese(m, ea=ea):
                    block = re.sub(r'<a:latin typeface="[^"]*"/>', f'<a:latin typeface="{LATIN}"/>',
                                   m.group(0), count=1)
                    block = re.sub(r'<a:ea typeface="[^"]*"/>', f'<a:ea typeface="{ea}"/>', block)
                    return re.sub(r'<a:font script="Hans" typeface="[^"]*"/>',
                                  f'<a:font script="Hans" typeface="{ea}"/>', block)
                xml = re.sub(rf"<a:{kind}Font>.*?</a:{kind}Font>", chinese, xml, flags=re.S)
            part._blob = xml.encode("utf-8")
        elif name == "/word/fontTable.xml":
            xml = part.blob.decode("utf-8")
            xml = re.sub(r"<w:font w:name=\"ＭＳ [^\"]*\">.*?</w:font>", "", xml, flags=re.S)
            part._blob = xml.encode("utf-8")


def _doc_defaults(doc) -> None:
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(rpr, FANGSONG)
    for el in rpr.findall(qn("w:sz")) + rpr.findall(qn("w:szCs")) + rpr.findall(qn("w:lang")):
        rpr.remove(el)
    for tag in ("w:sz", "w:szCs"):
        sz = OxmlElement(tag)
        sz.set(qn("w:val"), str(BODY_PT * 2))
        rpr.append(sz)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    # Latent/other styles of the default template name theme fonts; strip them
    # so nothing falls back to Calibri/MS Mincho.
    for rfonts in styles.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if rfonts.get(qn(attr)) is not None:
                del rfonts.attrib[qn(attr)]
        if rfonts.get(qn("w:eastAsia")) is None:
            rfonts.set(qn("w:eastAsia"), FANGSONG)
            rfonts.set(qn("w:ascii"), rfonts.get(qn("w:ascii")) or LATIN)
            rfonts.set(qn("w:hAnsi"), rfonts.get(qn("w:hAnsi")) or LATIN)


def _char_style(doc, name: str, east_asia: str):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(
        name, WD_STYLE_TYPE.CHARACTER)
    _clear(style)
    style.font.bold = False
    style.font.size = Pt(BODY_PT)      # 楷体 at body size: its glyphs look smaller already
    _rfonts(style.element.get_or_add_rPr(), east_asia)
    return style


def _border(tag: str):
    el = OxmlElement(tag)
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), "4")
    el.set(qn("w:space"), "0")
    el.set(qn("w:color"), "000000")
    return el


def _table_style(doc):
    styles = doc.styles
    style = styles[S_TABLE] if S_TABLE in [s.name for s in styles] else styles.add_style(
        S_TABLE, WD_STYLE_TYPE.TABLE)
    _clear(style)
    style.base_style = styles["Normal Table"]
    # A table style's run/paragraph properties: 五号 仿宋, single spacing, centred.
    ppr = style.element.get_or_add_pPr()
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), "center")
    ppr.append(jc)
    rpr = style.element.get_or_add_rPr()
    _rfonts(rpr, FANGSONG)
    for tag in ("w:sz", "w:szCs"):
        sz = OxmlElement(tag)
        sz.set(qn("w:val"), str(int(TABLE_PT * 2)))
        rpr.append(sz)
    tblpr = OxmlElement("w:tblPr")
    borders = OxmlElement("w:tblBorders")
    for tag in ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV"):
        borders.append(_border(tag))
    tblpr.append(borders)
    mar = OxmlElement("w:tblCellMar")
    for tag, w in (("w:top", 28), ("w:left", 57), ("w:bottom", 28), ("w:right", 57)):
        el = OxmlElement(tag)
        el.set(qn("w:w"), str(w))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.append(mar)
    style.element.append(tblpr)
    return style


def _page_field(paragraph) -> None:
    """Append a PAGE field between one-character dashes: — 1 —."""
    def run(text: str | None = None):
        r = paragraph.add_run(text)
        return r
    run("— ")
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("num", "1"),
                       ("end", None)):
        r = run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        elif kind == "num":
            r.text = text
        else:
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            r._r.append(fc)
    run(" —")


def _footers(doc, section) -> None:
    """Page numbers per GB/T 9704: odd pages right, even pages left, one char in."""
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles[S_FOOTER]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(PAGE_NO_PT)
        else:
            p.paragraph_format.left_indent = Pt(PAGE_NO_PT)
        _page_field(p)


def _page_setup(section) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(24)    # number about 7 mm below the 版心


def _samples(doc) -> None:
    """One paragraph per style, so whoever restyles the template sees them."""
    doc.add_paragraph("××××××（机关全称）\n××××年政府信息公开工作年度报告", S_TITLE)
    doc.add_paragraph("正文（仿宋_GB2312 三号，固定行距 28 磅，首行缩进 2 字符）。"
                      "生成报告时，本模板的正文内容会被替换，只保留样式、页面设置和页码。", S_BODY)
    doc.add_paragraph("一、一级标题（黑体）", S_H1)
    doc.add_paragraph("（一）二级标题（楷体_GB2312）", S_H2)
    p = doc.add_paragraph(style=S_BODY)
    p.add_run("（一）段首小标题。", S_LEAD)
    p.add_run("段首小标题使用字符样式“Lead Heading”（楷体），其后接正文。")
    table = doc.add_table(rows=1, cols=2, style=S_TABLE)
    for cell, text in zip(table.rows[0].cells, ("表格文字（五号）", "0")):
        cell.paragraphs[0].style = doc.styles[S_TABLE_TEXT]
        cell.paragraphs[0].text = text


def build_document():
    """A python-docx Document with every style the renderer uses."""
    doc = Document()
    _doc_defaults(doc)
    _para_style(doc, S_BODY, FANGSONG, BODY_PT, indent_chars=2)
    _para_style(doc, S_TITLE, XIAOBIAOSONG, TITLE_PT, line_pt=36, align=WD_ALIGN_PARAGRAPH.CENTER,
                latin=XIAOBIAOSONG, on_grid=False)
    doc.styles[S_TITLE].paragraph_format.space_after = Pt(LINE_PT)
    _para_style(doc, S_H1, HEITI, BODY_PT, indent_chars=2, outline=0, keep_next=True)
    _para_style(doc, S_H2, KAITI, BODY_PT, indent_chars=2, outline=1, keep_next=True)
    _para_style(doc, S_TABLE_TEXT, FANGSONG, TABLE_PT, line_pt=None, align=WD_ALIGN_PARAGRAPH.CENTER,
                on_grid=False)
    _para_style(doc, S_TABLE_SMALL, FANGSONG, TABLE_SMALL_PT, line_pt=None,
                align=WD_ALIGN_PARAGRAPH.CENTER, on_grid=False)
    _para_style(doc, S_FIGURE, FANGSONG, BODY_PT, line_pt=None, align=WD_ALIGN_PARAGRAPH.CENTER,
                on_grid=False)
    _para_style(doc, S_FOOTER, SONGTI, PAGE_NO_PT, line_pt=None, align=WD_ALIGN_PARAGRAPH.RIGHT,
                latin=SONGTI, on_grid=False)
    _para_style(doc, S_CAPTION, FANGSONG, BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER, on_grid=False)
    doc.styles[S_CAPTION].paragraph_format.space_after = Pt(LINE_PT / 2)
    _para_style(doc, S_ANNEX_LABEL, HEITI, BODY_PT)
    doc.styles[S_ANNEX_LABEL].paragraph_format.page_break_before = True
    _para_style(doc, S_ANNEX_TITLE, XIAOBIAOSONG, TITLE_PT, line_pt=36,
                align=WD_ALIGN_PARAGRAPH.CENTER, latin=XIAOBIAOSONG, on_grid=False)
    doc.styles[S_ANNEX_TITLE].paragraph_format.space_before = Pt(LINE_PT)
    doc.styles[S_ANNEX_TITLE].paragraph_format.space_after = Pt(LINE_PT)
    _para_style(doc, S_AFTER_TABLE, FANGSONG, BODY_PT)
    _char_style(doc, S_LEAD, KAITI)
    _table_style(doc)
    section = doc.sections[0]
    _page_setup(section)
    _doc_grid(section)
    _footers(doc, section)
    _chinese_theme(doc)
    cp = doc.core_properties
    cp.title = "政府信息公开工作年度报告模板"
    cp.author = cp.last_modified_by = "nianbao"
    cp.comments = "由 nianbao.render.docx_template.build_template 生成；可在 Word 中修改样式。"
    cp.created = cp.modified = _FIXED_TIME.replace(tzinfo=None)
    cp.last_printed = _FIXED_TIME.replace(tzinfo=None)
    cp.revision = 1
    return doc


def _stable_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed timestamps so generation is byte-stable."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def template_bytes() -> bytes:
    doc = build_document()
    _samples(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def build_template(path: str | os.PathLike = TEMPLATE) -> Path:
    """Write the Word template to ``path`` (atomically); returns the path."""
    from ..fsutil import atomic_write_bytes
    path = Path(path)
    atomic_write_bytes(path, template_bytes())
    return path
