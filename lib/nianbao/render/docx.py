"""The report in Word, laid out per GB/T 9704-2012 by the template's styles.

Opens ``templates/report.docx`` (or builds the same styles in memory if it is
missing), replaces its body and fills in the view-model; fonts, spacing and
page numbers come from the styles so an office can restyle the template.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm

from ..figures import PlaceholderProblem
from ..model import Report
from . import docx_template as T
from .chartlist import ChartImage, CHART_TITLES, ordered_charts
from .context import ReportView, build_view, unbreakable_parts
from .grid import Grid, GridCell
from ..fsutil import atomic_path

#: Text width on A4 with 28 + 26 mm side margins.
TEXT_WIDTH_MM = 156

#: Long tables kept on one page with their heading (moved to the next page only if they do not fit).
KEEP_TOGETHER = {"requests"}

#: Tables set in 小五 (9 pt) so that all 28 rows fit on one page.
SMALL_TEXT = {"requests"}

#: Minimum row height: about 5.6 mm, close to the printed official tables.
ROW_MIN_TWIPS = 320

#: Column widths (mm) per table; each row adds up to the text width.
COLUMN_MM = {
    "active": (57, 33, 33, 33),
    # The group label stands vertically in 7 mm; 25 mm holds "（三）不予公开"
    # (7 × 9 pt + cell margins) on one line.
    "requests": (7, 25, 57.5) + (9.5,) * 7,
    "appeals": (10.4,) * 15,
}


#: Table 二 may break across pages only before this block (of four), so no
#: 第二十条 block ever stands alone on a page: two and two, or all four.
ACTIVE_BREAK_BLOCK = 2

#: A label cell spanning more rows than this is set vertically (table 三's
#: "三、本年度办理结果", as in the official form).
VERTICAL_ROWSPAN = 8


def chart_list(charts: Sequence[ChartImage] | Mapping[str, Path] | None) -> list[ChartImage]:
    """The charts as ``ChartImage`` in the order given. A mapping name → PNG
    (the older contract) is accepted and put in report order with the
    standard titles."""
    if not charts:
        return []
    if isinstance(charts, Mapping):
        return [ChartImage(CHART_TITLES.get(n, n), Path(charts[n])) for n in ordered_charts(charts)]
    return list(charts)


def omitted_sentence(omitted: Sequence[str]) -> str:
    """One sentence naming the standard charts left out (all values zero)."""
    if not omitted:
        return ""
    names = "、".join(f"“{t}”" for t in omitted)
    return f"{names}各项数值均为0，未绘制图表。"


def appendix_note(charts: Sequence[ChartImage]) -> str:
    """The 附件说明 after the body (GB/T 9704-2012 7.3.4)."""
    return "附件：政府信息公开工作年度报告图表" if charts else ""


@dataclass
class RenderResult:
    path: Path
    problems: list[PlaceholderProblem]


def _open_template(template: str | os.PathLike | None):
    path = Path(template) if template else T.TEMPLATE
    doc = Document(str(path)) if path.is_file() else T.build_document()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def _fixed_layout(table, widths_mm: tuple[float, ...]) -> None:
    tblpr = table._tbl.tblPr
    table.autofit = False           # w:tblLayout fixed, in schema order
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:w"), str(int(Mm(sum(widths_mm)).twips)))
    tblw.set(qn("w:type"), "dxa")
    for gc, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
        gc.set(qn("w:w"), str(int(Mm(w).twips)))


class _Styles:
    """Style ids looked up once: python-docx resolves a style name by
    scanning every style on each ``add_paragraph(style=...)`` call."""

    def __init__(self, doc):
        self.doc = doc
        self._ids: dict[str, str] = {}

    def id(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = self.doc.styles[name].style_id
        return self._ids[name]

    def para(self, name: str, text: str | None = None):
        p = self.doc.add_paragraph(text)
        p._p.style = self.id(name)
        return p

    def run(self, p, text: str, name: str | None = None):
        r = p.add_run(text)
        if name:
            r._r.style = self.id(name)
        return r


def _merge(cells: list, n_cols: int, gc: GridCell, widths_mm: tuple[float, ...]) -> None:
    """Merge the area of ``gc`` by writing gridSpan/vMerge directly.

    python-docx's ``_Cell.merge`` re-measures the whole table per merge; the
    grid already knows the spans. Covered cells are removed from each row
    (gridSpan) and the rows below continue the origin cell (vMerge).
    """
    width = Mm(sum(widths_mm[gc.col:gc.col + gc.colspan]))
    for r in range(gc.row, gc.row + gc.rowspan):
        first = cells[r * n_cols + gc.col]
        tc = first._tc
        if gc.colspan > 1:
            tc.grid_span = gc.colspan
            first.width = width
            for k in range(gc.col + 1, gc.col + gc.colspan):
                other = cells[r * n_cols + k]._tc
                other.getparent().remove(other)
        if gc.rowspan > 1:
            tc.vMerge = "restart" if r == gc.row else "continue"


def _fresh_cell_format(tc, style_id: str, keep_with_next: bool) -> None:
    """A new cell's vertical centring and its paragraph's style (and, for
    short tables, keep-with-next: table 二 each block, so a table stays on one
    page), written as python-docx's setters write them, but appended in
    schema order to the cell's fresh properties (``tcPr`` holds only its
    width, the paragraph is empty) instead of searching the order for every
    element: about 2,000 cells per report made that search most of the Word
    file's cost."""
    valign = OxmlElement("w:vAlign")
    valign.set(qn("w:val"), "center")
    tc.tcPr.append(valign)
    ppr = OxmlElement("w:pPr")
    pstyle = OxmlElement("w:pStyle")
    pstyle.set(qn("w:val"), style_id)
    ppr.append(pstyle)
    if keep_with_next:
        ppr.append(OxmlElement("w:keepNext"))
    tc.p_lst[0].insert(0, ppr)


def _add_table(doc, grid: Grid, styles: _Styles) -> None:
    widths = COLUMN_MM[grid.name]
    assert len(widths) == grid.n_cols, grid.name
    table = doc.add_table(rows=grid.n_rows, cols=grid.n_cols, style=T.S_TABLE)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _fixed_layout(table, widths)
    style_id = styles.id(T.S_TABLE_SMALL if grid.name in SMALL_TEXT else T.S_TABLE_TEXT)
    # One snapshot of the unmerged cells: python-docx's table.cell() rescans
    # the whole table on every call, which made large tables slow.
    cells = table._cells
    # Rows that open a block of their own (table 二's "第二十条第（X）项" rows):
    # a page may break before them, so a long table 二 continues on the next
    # page instead of leaving half a page empty before it.
    block_starts = sorted(gc.row for gc in grid.cells if gc.col == 0 and gc.colspan == grid.n_cols)
    if grid.name == "active" and len(block_starts) > ACTIVE_BREAK_BLOCK:
        block_starts = [block_starts[ACTIVE_BREAK_BLOCK]]
    block_starts = set(block_starts)
    for r, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(ROW_MIN_TWIPS))
        height.set(qn("w:hRule"), "atLeast")
        trpr.append(height)
        if r < grid.header_rows and grid.name in KEEP_TOGETHER:
            trpr.append(OxmlElement("w:tblHeader"))   # repeat the header on a new page
        keep = r < grid.n_rows - 1 and r + 1 not in block_starts
        for c in range(grid.n_cols):
            cell = cells[r * grid.n_cols + c]
            cell.width = Mm(widths[c])
            _fresh_cell_format(cell._tc, style_id, keep)
    for gc in grid.cells:
        cell = cells[gc.row * grid.n_cols + gc.col]
        cell.paragraphs[0].add_run(gc.text)
        if gc.header and gc.rowspan > VERTICAL_ROWSPAN:
            direction = OxmlElement("w:textDirection")
            direction.set(qn("w:val"), "tbRlV")     # vertical, characters upright
            cell._tc.get_or_add_tcPr().insert_element_before(
                direction, "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers",
                "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange")
    # Merge last: areas never overlap, so the other snapshot cells stay valid,
    # and only the origin cell has text to keep.
    for gc in grid.cells:
        if gc.rowspan > 1 or gc.colspan > 1:
            _merge(cells, grid.n_cols, gc, widths)


#: A phone number's hyphen that never breaks: the hyphen held by word
#: joiners (U+2060) on both sides. LibreOffice 7.4 breaks after a
#: non-breaking hyphen U+2011 (or w:noBreakHyphen) at a justified line end,
#: but never next to a word joiner; the copied number stays "0533-2775485".
NO_BREAK_HYPHEN = "\u2060-\u2060"


def _unbreakable_runs(p, text: str) -> None:
    """Phone numbers with a non-breaking hyphen, so "0533-2775485" never
    splits at a line end; other text (e-mail addresses too: a reader copies
    them) as it is."""
    for piece, keep in unbreakable_parts(text):
        p.add_run(piece.replace("-", NO_BREAK_HYPHEN) if keep and "@" not in piece else piece)


#: The tallest a chart may be: the 225 mm 版心 less its caption line (28 pt
#: plus half a line after) and a little room, so that a tall chart (table 二's
#: three panels, the indicators) is neither clipped at the foot of the page
#: nor parted from its "图N" caption.
FIGURE_MAX_HEIGHT = Mm(225 - 20)


def _appendix(doc, st: _Styles, charts: list[ChartImage], omitted: str) -> None:
    """The 附件 page (GB/T 9704-2012 7.3.4 and 8.1): "附件" in 3号黑体 on the
    first line at the top left, the title centred on the third line, then
    each chart with "图N 标题" beneath it."""
    st.para(T.S_ANNEX_LABEL, "附件")          # starts a page (style: page break before)
    st.para(T.S_ANNEX_TITLE, "政府信息公开工作年度报告图表")
    for i, chart in enumerate(charts, 1):
        p = st.para(T.S_FIGURE)
        shape = p.add_run().add_picture(str(chart.png), width=Cm(15))
        if shape.height > FIGURE_MAX_HEIGHT:      # tall: scale to fit, caption included
            shape.width = int(shape.width * FIGURE_MAX_HEIGHT / shape.height)
            shape.height = FIGURE_MAX_HEIGHT
        p.paragraph_format.keep_with_next = True
        st.para(T.S_CAPTION, f"图{i} {chart.title}")
    if omitted:
        st.para(T.S_BODY, omitted)


def _write_view(doc, view: ReportView, charts: list[ChartImage], omitted: str) -> None:
    st = _Styles(doc)
    title = st.para(T.S_TITLE)
    for i, line in enumerate(view.title_lines):
        run = title.add_run(line)
        if i < len(view.title_lines) - 1:
            run.add_break()
    if view.opening:
        _unbreakable_runs(st.para(T.S_BODY), view.opening)
    for sec in view.sections:
        heading = st.para(T.S_H1, sec.heading)
        if sec.table is not None and sec.table.name in KEEP_TOGETHER:
            # Table 三 keeps together (every row keeps with the next) and with
            # its heading: it starts a new page only when it does not fit.
            heading.paragraph_format.keep_with_next = True
        for para in sec.paragraphs:
            p = st.para(T.S_BODY)
            if para.lead:
                st.run(p, para.lead, T.S_LEAD)
            if para.text:
                _unbreakable_runs(p, para.text)
        if sec.table is not None:
            _add_table(doc, sec.table, st)
            st.para(T.S_AFTER_TABLE)      # one blank line before the next heading
    if charts:
        st.para(T.S_BODY)                 # 附件说明: one blank line below the body
        st.para(T.S_BODY, appendix_note(charts))
        _appendix(doc, st, charts, omitted)
    elif omitted:
        st.para(T.S_BODY, omitted)


def render_docx(report: Report, prior: Report | None, out_path: str | os.PathLike,
                charts: Sequence[ChartImage] | Mapping[str, Path] | None = (),
                omitted: Sequence[str] = (),
                template: str | os.PathLike | None = None) -> RenderResult:
    """Write the report as .docx; returns the path and unresolved placeholders.

    ``charts``: placed in the order given on a 附件 page, each numbered and
    captioned "图N 标题" (the image has no title of its own); a 附件说明
    follows the body. ``omitted``: titles of standard charts left out because
    every value was zero; the report says so in one sentence.
    """
    view = build_view(report, prior)
    doc = _open_template(template)
    _write_view(doc, view, chart_list(charts), omitted_sentence(omitted))
    cp = doc.core_properties
    cp.title = view.title
    cp.author = cp.last_modified_by = view.agency or "nianbao"
    cp.comments = ""
    with atomic_path(out_path) as tmp:
        doc.save(str(tmp))
    return RenderResult(Path(out_path), view.problems)
