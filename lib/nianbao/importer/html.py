"""Web pages → lines and table grids, read with lxml.

Scripts, styles, frames, objects, forms and the <head> are dropped before
reading; links and images are never followed (lxml's parser is told not to
use the network). Tables are kept as grids with rowspan/colspan expanded, so
the figures are placed from the table structure, not from flattened text.
"""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from lxml import html as lh

from ..errors import InputError, Problem
from .document import Document, Grid, GridCell, Line
from .lines import decode

_DROP = ("script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed",
         "template", "head", "form", "button", "select", "svg", "canvas", "video", "audio")
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
          "blockquote", "pre", "center", "header", "footer", "main", "aside", "nav", "dd", "dt",
          "dl", "hr", "caption", "figure", "address", "tr", "table", "tbody", "thead", "tfoot"}
_WS = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def _charset(data: bytes) -> str | None:
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", data[:4096], re.I)
    return m.group(1).decode("ascii").lower() if m else None


def read_html(path: Path) -> Document:
    data = path.read_bytes()
    source = str(path)
    cs = _charset(data)
    notes: list[str] = []
    text = None
    if cs and cs not in ("utf-8", "utf8"):
        try:
            text = data.decode("gb18030" if cs in ("gb2312", "gbk", "gb18030") else cs)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text, notes = decode(data, source)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        parser = lh.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
        root = lh.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):   # lxml's own texts are English
        raise InputError(Problem("import-html", "无法解析网页：内容不是有效的 HTML", file=source,
                                 fix="在浏览器中打开该网页，另存为“网页，仅 HTML”或复制全文为 .txt 再导入"))
    for el in list(root.iter(*_DROP)):
        if el.getparent() is not None:
            el.drop_tree()
    doc = Document(kind="html", notes=notes)
    _Walker(doc).run(root)
    return doc


class _Walker:
    """Document order walk: block boundaries and <br> make lines; leaf tables make grids."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.buf: list[str] = []
        self.line = 0
        self.tables = 0

    def run(self, root) -> None:
        self.walk(root)
        self.flush()

    def flush(self) -> None:
        text = "".join(self.buf)
        self.buf = []
        for part in text.split("\n"):
            t = _WS.sub(" ", part).strip()
            if t:
                self.doc.items.append(Line(t, f"网页源码第 {self.line} 行附近"))

    def walk(self, el) -> None:
        if not isinstance(el.tag, str):
            return
        tag = el.tag.lower()
        if tag == "table" and not el.xpath(".//table"):
            self.flush()
            self.tables += 1
            self.doc.items.append(_grid(el, f"第 {self.tables} 个表格"))
            return
        if tag == "br":
            self.buf.append("\n")
            return
        if tag in _BLOCK or tag in ("td", "th"):
            self.buf.append("\n")
            self.line = el.sourceline or self.line
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.buf.append(child.tail)
        if tag in _BLOCK or tag in ("td", "th"):
            self.buf.append("\n")


def _cell_text(cell) -> str:
    parts: list[str] = []

    def rec(e) -> None:
        if not isinstance(e.tag, str):
            return
        if e.tag.lower() == "br":
            parts.append(" ")
        if e.text:
            parts.append(e.text)
        for c in e:
            rec(c)
            if c.tail:
                parts.append(c.tail)

    rec(cell)
    return _WS.sub(" ", "".join(parts)).strip()


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name, "1")).strip() or 1), 100))
    except ValueError:
        return 1


def _grid(table, where: str) -> Grid:
    trs = [tr for tr in table.iter("tr")]
    grid: dict[tuple[int, int], GridCell] = {}
    for r, tr in enumerate(trs):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = _cell_text(cell)
            rs, cs = _span(cell, "rowspan"), _span(cell, "colspan")
            for dr in range(rs):
                for dc in range(cs):
                    if r + dr < len(trs):
                        grid[(r + dr, c + dc)] = GridCell(text, origin=(dr == 0 and dc == 0))
            c += cs
    nrows = len(trs)
    ncols = max((c for _, c in grid), default=-1) + 1
    rows = [[grid.get((r, c), GridCell("", True)) for c in range(ncols)] for r in range(nrows)]
    return Grid(rows, where)
