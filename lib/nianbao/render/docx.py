"""The report in Word, laid out per GB/T 9704-2012 by the template's styles.

Opens ``templates/report.docx`` (or builds the same styles in memory if it is
missing), replaces its body and fills in the view-model; fonts, spacing and
page numbers come from the styles so an office can restyle the template.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm

from ..figures import PlaceholderProblem
from ..model import Report
from . import docx_template as T
from .chartlist import ordered_charts
from .context import ReportView, build_view
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
    "requests": (9, 22, 58.5) + (9.5,) * 7,
    "appeals": (10.4,) * 15,
}


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
    block_starts = {gc.row for gc in grid.cells if gc.col == 0 and gc.colspan == grid.n_cols}
    for r, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(ROW_MIN_TWIPS))
        height.set(qn("w:hRule"), "atLeast")
        trpr.append(height)
        if r < grid.header_rows and grid.name in KEEP_TOGETHER:
            trpr.append(OxmlElement("w:tblHeader"))   # repeat the header on a new page
        for c in range(grid.n_cols):
            cell = cells[r * grid.n_cols + c]
            cell.width = Mm(widths[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p._p.style = style_id
            # Short tables stay on one page (table 二: each block): each row
            # keeps with the next.
            if r < grid.n_rows - 1 and r + 1 not in block_starts:
                p.paragraph_format.keep_with_next = True
    for gc in grid.cells:
        cells[gc.row * grid.n_cols + gc.col].paragraphs[0].add_run(gc.text)
    # Merge last: areas never overlap, so the other snapshot cells stay valid,
    # and only the origin cell has text to keep.
    for gc in grid.cells:
        if gc.rowspan > 1 or gc.colspan > 1:
            _merge(cells, grid.n_cols, gc, widths)


def _write_view(doc, view: ReportView, charts: dict[str, Path] | None) -> None:
    st = _Styles(doc)
    title = st.para(T.S_TITLE)
    for i, line in enumerate(view.title_lines):
        run = title.add_run(line)
        if i < len(view.title_lines) - 1:
            run.add_break()
    if view.opening:
        p = st.para(T.S_BODY, view.opening)
        # Left-aligned: a long e-mail address would otherwise stretch the
        # justified line before it into wide gaps.
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
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
                p.add_run(para.text)
        if sec.table is not None:
            _add_table(doc, sec.table, st)
    if charts:
        brk = st.para(T.S_BODY)
        brk.add_run().add_break(WD_BREAK.PAGE)
        st.para(T.S_H1, "附件：图表")
        for name in ordered_charts(charts):
            p = st.para(T.S_FIGURE)   # the chart carries its own title
            p.add_run().add_picture(str(charts[name]), width=Cm(15))
            p.paragraph_format.space_after = Mm(6)


def render_docx(report: Report, prior: Report | None, out_path: str | os.PathLike,
                charts: dict[str, Path] | None = None,
                template: str | os.PathLike | None = None) -> RenderResult:
    """Write the report as .docx; returns the path and unresolved placeholders."""
    view = build_view(report, prior)
    doc = _open_template(template)
    _write_view(doc, view, charts)
    cp = doc.core_properties
    cp.title = view.title
    cp.author = cp.last_modified_by = view.agency or "nianbao"
    cp.comments = ""
    with atomic_path(out_path) as tmp:
        doc.save(str(tmp))
    return RenderResult(Path(out_path), view.problems)
