"""Word (.docx) → lines and table grids, read with python-docx.

Body paragraphs and tables are read in document order (also inside content
controls); merged cells (gridSpan / vMerge) are expanded into the grid with
their origin marked, so figures are placed from the table structure. Page
headers and footers (page numbers) are not read. Nothing embedded is opened.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import InputError, Problem
from .document import Document, Grid, GridCell, Line
from .sniff import DOCX_PART_LIMIT, TEXT_LIMIT, human_size


def read_docx(path: Path) -> Document:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    source = str(path)
    if not zipfile.is_zipfile(path):
        raise InputError(Problem("import-docx", "文件不是有效的 Word（.docx）文件", file=source,
                                 fix="旧版 .doc 文件请先在 Word 或 WPS 中另存为 .docx"))
    try:
        with zipfile.ZipFile(path) as z:
            expanded = sum(i.file_size for i in z.infolist())
    except Exception:
        expanded = 0
    if expanded > DOCX_PART_LIMIT:
        raise InputError(Problem("import-too-large",
                                 f"Word 文件解压后有 {human_size(expanded)}，超过上限 {human_size(DOCX_PART_LIMIT)}，"
                                 "不像一份年度报告", file=source,
                                 fix="确认选对了文件；只保留这一份年度报告再导入"))
    try:
        d = docx.Document(str(path))
    except Exception:   # python-docx raises many kinds (with English texts) for damaged packages
        raise InputError(Problem("import-docx", "无法打开 Word 文件：文件已损坏，或不是 Word 保存的 .docx",
                                 file=source, fix="在 Word 或 WPS 中打开后另存为 .docx 再导入"))
    doc = Document(kind="docx")
    counters = {"p": 0, "t": 0}

    def visit(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                counters["p"] += 1
                text = Paragraph(child, d).text
                for part in text.split("\n"):
                    doc.items.append(Line(part.replace("\t", " "), f"第 {counters['p']} 段"))
            elif child.tag == qn("w:tbl"):
                counters["t"] += 1
                doc.items.append(_grid(Table(child, d), f"第 {counters['t']} 个表格"))
            elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
                visit(child)

    visit(d.element.body)
    chars = sum(len(i.text) if isinstance(i, Line) else len(i.text()) for i in doc.items)
    if chars > TEXT_LIMIT:
        raise InputError(Problem("import-too-large",
                                 f"Word 文件的文字太多（{chars // 10000} 万字，上限 {TEXT_LIMIT // 10000} 万字），"
                                 "不像一份年度报告", file=source,
                                 fix="确认选对了文件；只保留这一份年度报告再导入"))
    return doc


def _grid(table, where: str) -> Grid:
    try:
        cells = table._cells
        ncols = table._column_count
        flat = [cells[i:i + ncols] for i in range(0, len(cells), ncols)]
    except Exception:        # irregular tables: fall back to row by row
        flat = [list(r.cells) for r in table.rows]
    seen: set[int] = set()
    rows: list[list[GridCell]] = []
    for row in flat:
        out = []
        for c in row:
            ident = id(c._tc)
            origin = ident not in seen
            seen.add(ident)
            text = " ".join(p.text for p in c.paragraphs).strip()
            out.append(GridCell(text, origin))
        rows.append(out)
    return Grid(rows, where)
