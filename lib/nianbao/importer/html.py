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
    page_title = _WS.sub(" ", root.findtext(".//title") or "").strip()
    for el in list(root.iter(*_DROP)):
        if el.getparent() is not None:
            el.drop_tree()
    doc = Document(kind="html", notes=notes)
    block = report_block(root)
    if block is not None and block is not root.find("body") and block is not root:
        doc.headline = headline(root, block) or page_title
        doc.notes.append("网页中除报告正文外还有导航、页脚等内容，只读取了含各章节标题和表格的正文部分")
        root = block
    else:
        doc.headline = page_title
    _Walker(doc).run(root)
    return doc


def _own_text(el) -> str:
    """An element's text with its inline children (a heading in <strong>, split over <span>s)."""
    if len(el) > 8:
        return el.text or ""
    return "".join(el.itertext()) if all(c.tag not in _BLOCK for c in el if isinstance(c.tag, str)) \
        else el.text or ""


def report_block(root):
    """The report inside a whole portal page: the smallest element holding the
    first and the last of the six section headings (and so the tables between
    them). None when the headings are not both found as elements."""
    from .sections import match_heading
    first = last = None
    order = "一二三四五六"
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.lower() in ("table", "td", "th", "tr", "a"):
            continue
        text = _WS.sub("", _own_text(el))
        if not text or len(text) > 40:
            continue
        m = match_heading(text)
        if m is None:
            continue
        n = order.index(m[0].number)
        if first is None or n < first[0]:
            first = (n, el)
        if last is None or n >= last[0]:
            last = (n, el)
    if first is None or last is None or last[0] - first[0] < 3:
        return None
    chain = set()
    e = first[1]
    while e is not None:
        chain.add(e)
        e = e.getparent()
    e = last[1]
    while e is not None and e not in chain:
        e = e.getparent()
    return e


_TITLE = re.compile(r"\d{4}\s*年度?.{0,40}?报告")


def headline(root, block) -> str:
    """A report title outside the report block: an <h1>–<h3> or an element whose
    class or id says title, never a link (related-report lists are links)."""
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.lower() == "a" or _inside(el, block):
            continue
        cls = f"{el.get('class', '')} {el.get('id', '')}".lower()
        if el.tag.lower() in ("h1", "h2", "h3") or "title" in cls:
            if any(isinstance(a.tag, str) and a.tag.lower() == "a" for a in el.iter()):
                continue
            text = _WS.sub(" ", "".join(el.itertext())).strip()
            if _TITLE.search(text) and len(text) <= 80:
                return text
    return ""


def _inside(el, block) -> bool:
    while el is not None:
        if el is block:
            return True
        el = el.getparent()
    return False


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
