"""SpreadsheetML parts edited in place with lxml (ECMA-376 Part 1, §18): the
cell formats of xl/styles.xml (``Styles``), a worksheet's cells, merged
ranges and legacy comments with their VML boxes (``Sheet``, ``comment_vml``).

Used by ``annotate_xml`` on a ``xlsxparts.Package``; raises ``Unsupported``
for a part it does not understand (the caller takes the openpyxl path).
"""
from __future__ import annotations

import re

from lxml import etree

from ..workbook.layout import get_column_letter
from .xlsxparts import CT_COMMENTS, CT_VML, MAIN, REL, REL_COMMENTS, REL_VML, Package, Unsupported, q

#: Child order of CT_Worksheet (ECMA-376 Part 1, §18.3.1.99).
SHEET_ORDER = ("sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
               "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
               "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup "
               "headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing "
               "legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts "
               "extLst").split()
#: Characters XML 1.0 does not allow; left out of any text we write.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
VML = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
EXCEL = "urn:schemas-microsoft-com:office:excel"
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _split(coord: str) -> tuple[int, int]:
    m = _CELL.match(coord)
    if not m:
        raise Unsupported(f"cell reference {coord!r}")
    return int(m.group(2)), _col_index(m.group(1))


def insert_in_order(parent, child, order: list[str]) -> None:
    """Insert ``child`` where the schema's child ``order`` puts it."""
    rank = order.index(etree.QName(child).localname)
    for i, el in enumerate(parent):
        name = etree.QName(el).localname if isinstance(el.tag, str) else ""
        if name in order and order.index(name) > rank:
            parent.insert(i, child)
            return
    parent.append(child)


class Styles:
    """Appends fonts, fills, borders and cell formats to xl/styles.xml;
    existing entries keep their indices, so every other cell looks the same.
    Styles are given as SpreadsheetML fragments (``<font>…</font>``,
    ``<fill>…</fill>``, ``<border>…</border>``, ``<alignment …/>``), without
    namespace; each is added once."""

    def __init__(self, pkg: Package, part: str):
        self.pkg, self.part = pkg, part
        self.root = pkg.xml(part)
        self.lists = {}
        for tag in ("fonts", "fills", "borders", "cellXfs"):
            el = self.root.find(q(tag))
            if el is None:
                raise Unsupported(f"styles without {tag}")
            self.lists[tag] = el
        self._ids: dict = {}

    def _add(self, tag: str, xml: str | bytes) -> int:
        key = (tag, xml)
        if key not in self._ids:
            el = etree.fromstring(xml)
            for e in el.iter():          # the fragments are written without namespace: put them in main
                if isinstance(e.tag, str) and not e.tag.startswith("{"):
                    e.tag = q(e.tag)
            parent = self.lists[tag]
            parent.append(el)
            parent.set("count", str(len(parent)))
            self.pkg.touch(self.part)
            self._ids[key] = len(parent) - 1
        return self._ids[key]

    def xf(self, font: str | None = None, fill: str | None = None, border: str | None = None,
           alignment: str | None = None) -> int:
        """The index of a new cell format with these looks (XML fragments;
        None: the workbook's default font, no fill, no border, no alignment)."""
        attrs = {"numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"}
        for name, tag, xml in (("Font", "fonts", font), ("Fill", "fills", fill), ("Border", "borders", border)):
            if xml:
                attrs[tag[:-1] + "Id"], attrs["apply" + name] = str(self._add(tag, xml)), "1"
        key = ("xf", repr(sorted(attrs.items())), alignment)
        if key not in self._ids:
            xf = etree.Element(q("xf"), attrs)
            if alignment:
                xf.set("applyAlignment", "1")
                xf.append(etree.fromstring(alignment))
                xf[-1].tag = q("alignment")
            self._ids[key] = self._append_xf(xf)
        return self._ids[key]

    def with_fill(self, xf_index: int, fill: str) -> int:
        """The index of a copy of cell format ``xf_index`` with ``fill`` (a
        <fill> fragment), the cell's other looks kept."""
        key = ("refill", xf_index, fill)
        if key not in self._ids:
            xfs = self.lists["cellXfs"]
            if xf_index >= len(xfs):
                raise Unsupported(f"cell style {xf_index} not in styles.xml")
            xf = etree.fromstring(etree.tostring(xfs[xf_index]))
            xf.set("fillId", str(self._add("fills", fill)))
            xf.set("applyFill", "1")
            self._ids[key] = self._append_xf(xf)
        return self._ids[key]

    def _append_xf(self, xf) -> int:
        xfs = self.lists["cellXfs"]
        xfs.append(xf)
        xfs.set("count", str(len(xfs)))
        self.pkg.touch(self.part)
        return len(xfs) - 1


class Sheet:
    """One worksheet part: its cells by coordinate, merged ranges, comments."""

    def __init__(self, pkg: Package, part: str):
        self.pkg, self.part = pkg, part
        self.root = pkg.xml(part)
        self.data = self.root.find(q("sheetData"))
        if self.data is None:
            raise Unsupported(f"{part} without sheetData")
        self.rows, self.cells = {}, {}
        for row in self.data.iterfind(q("row")):
            if row.get("r") is None:
                raise Unsupported(f"{part}: a row without its number")
            self.rows[int(row.get("r"))] = row
            for c in row.iterfind(q("c")):
                if c.get("r") is None:
                    raise Unsupported(f"{part}: a cell without its reference")
                self.cells[c.get("r")] = c
        self.covered = set()              # cells hidden under a merged range (not its first cell)
        for m in self.root.iterfind(f"{q('mergeCells')}/{q('mergeCell')}"):
            a, _, b = m.get("ref", "").partition(":")
            if b:
                (r1, c1), (r2, c2) = _split(a), _split(b)
                self.covered |= {f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
                self.covered.discard(f"{get_column_letter(c1)}{r1}")
        self.rels = {rid: (typ, target) for rid, typ, target in pkg.rels(part)}
        self.comments_part = next((t for typ, t in self.rels.values() if typ == REL_COMMENTS), None)
        self.comments: dict[str, tuple[str, str]] = {}      # coord → (text, author)
        if self.comments_part:
            croot = pkg.xml(self.comments_part)
            authors = [a.text or "" for a in croot.iterfind(f"{q('authors')}/{q('author')}")]
            for c in croot.iterfind(f"{q('commentList')}/{q('comment')}"):
                text = c.find(q("text"))
                words = "" if text is None else "".join(
                    t.text or "" for t in text if etree.QName(t).localname == "t") + "".join(
                    t.text or "" for t in text.iterfind(f"{q('r')}/{q('t')}"))
                i = int(c.get("authorId", "0"))
                self.comments[c.get("ref")] = (words, authors[i] if i < len(authors) else "")

    def cell(self, coord: str):
        """The ``<c>`` element of ``coord``, made (in row and column order) if the sheet has none."""
        if coord in self.cells:
            return self.cells[coord]
        r, col = _split(coord)
        if r not in self.rows:
            row = etree.Element(q("row"), r=str(r))
            later = [n for n in self.rows if n > r]
            if later:
                self.rows[min(later)].addprevious(row)
            else:
                self.data.append(row)
            self.rows[r] = row
        row = self.rows[r]
        row.attrib.pop("spans", None)     # a hint of the row's columns, no longer true
        c = etree.Element(q("c"), r=coord)
        after = next((x for x in row.iterfind(q("c")) if _split(x.get("r"))[1] > col), None)
        if after is not None:
            after.addprevious(c)
        else:
            row.append(c)
        self.cells[coord] = c
        return c

    def unselect(self) -> None:
        """Not the selected tab (the result sheet is shown first)."""
        for view in self.root.iterfind(f"{q('sheetViews')}/{q('sheetView')}"):
            if view.get("tabSelected") not in (None, "0", "false"):
                view.attrib.pop("tabSelected")
                self.pkg.touch(self.part)

    def write_comments(self, changed: dict[str, tuple[str, str] | None], size) -> None:
        """Apply ``changed`` (coord → (text, author), or None to remove) to the
        comments part and redraw the comment boxes (``comment_vml``), each
        ``size(text, author)`` = (width, height) px; other comments are kept
        as they are, other shapes in the VML too."""
        if not changed:
            return
        final = dict(self.comments)
        for coord, c in changed.items():
            if c is None:
                final.pop(coord, None)
            else:
                final[coord] = c
        pkg = self.pkg
        if not final:
            if self.comments_part is not None:
                self._drop_comments()
            return
        if self.comments_part is None:
            self.comments_part = pkg.free_name("xl/comments/comment{}.xml")
            pkg.put(self.comments_part, etree.Element(q("comments"), nsmap={None: MAIN}))
            pkg.set_override(self.comments_part, CT_COMMENTS)
            pkg.add_rel(self.part, REL_COMMENTS, self.comments_part)
        croot = pkg.xml(self.comments_part)
        authors = croot.find(q("authors"))
        if authors is None:
            authors = etree.Element(q("authors"))
            croot.insert(0, authors)
        clist = croot.find(q("commentList"))
        if clist is None:
            clist = etree.SubElement(croot, q("commentList"))
        names = [a.text or "" for a in authors]
        for el in list(clist):
            if el.get("ref") in changed:
                clist.remove(el)
        for coord, c in changed.items():
            if c is None:
                continue
            text, author = c
            if author not in names:
                etree.SubElement(authors, q("author")).text = author
                names.append(author)
            el = etree.SubElement(clist, q("comment"), ref=coord, authorId=str(names.index(author)),
                                  shapeId="0")
            t = etree.SubElement(etree.SubElement(el, q("text")), q("t"))
            t.text = ILLEGAL_XML.sub("", text)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        pkg.touch(self.comments_part)

        legacy = self.root.find(q("legacyDrawing"))
        vml_part = self.rels.get(legacy.get(q("id", REL)), (None, None))[1] if legacy is not None else None
        vml = pkg.xml(vml_part) if vml_part else None
        if legacy is not None and vml_part is None:
            raise Unsupported(f"{self.part}: legacyDrawing without its part")
        boxes = [(coord, *size(*final[coord])) for coord in sorted(final, key=_split)]
        data = comment_vml(vml, boxes)
        if vml_part is None:
            vml_part = pkg.free_name("xl/drawings/commentsDrawing{}.vml")
            pkg.ensure_default("vml", CT_VML)
            rid = pkg.add_rel(self.part, REL_VML, vml_part)
            legacy = etree.Element(q("legacyDrawing"), nsmap={"r": REL})
            legacy.set(q("id", REL), rid)
            insert_in_order(self.root, legacy, SHEET_ORDER)
            self.pkg.touch(self.part)
        pkg.put(vml_part, data)

    def _drop_comments(self) -> None:
        """No comment left on the sheet: remove the comments part, and the
        VML part too unless it holds other shapes than comment boxes."""
        pkg = self.pkg
        for rid, (typ, target) in list(self.rels.items()):
            if typ == REL_COMMENTS:
                pkg.drop_rel(self.part, rid)
        pkg.drop(self.comments_part)
        pkg.set_override(self.comments_part, None)
        self.comments_part = None
        legacy = self.root.find(q("legacyDrawing"))
        if legacy is None:
            return
        rid = legacy.get(q("id", REL))
        vml_part = self.rels.get(rid, (None, None))[1]
        if vml_part is None:
            raise Unsupported(f"{self.part}: legacyDrawing without its part")
        vml = pkg.xml(vml_part)
        data = comment_vml(vml, [])
        if any(etree.QName(el).localname == "shape" for el in vml if isinstance(el.tag, str)):
            pkg.put(vml_part, data)
            return
        pkg.drop(vml_part)
        pkg.drop_rel(self.part, rid)
        self.root.remove(legacy)
        pkg.touch(self.part)


def comment_vml(root, boxes: list[tuple[str, int, int]]) -> bytes:
    """The VML drawing of a sheet's comment boxes, as openpyxl's ShapeWriter
    draws them (hidden yellow notes beside the cell): ``boxes`` are
    (coord, width px, height px). ``root`` is the existing drawing (its
    comment boxes are replaced, any other shape kept) or None."""
    if root is None:
        root = etree.Element("xml")
    for shape in root.findall(f"{{{VML}}}shape[@type='#_x0000_t202']"):
        root.remove(shape)
    if root.find(f"{{{VML}}}shapetype[@id='_x0000_t202']") is None:
        layout = etree.SubElement(root, f"{{{OFFICE}}}shapelayout", {f"{{{VML}}}ext": "edit"})
        etree.SubElement(layout, f"{{{OFFICE}}}idmap", {f"{{{VML}}}ext": "edit", "data": "1"})
        kind = etree.SubElement(root, f"{{{VML}}}shapetype", {
            "id": "_x0000_t202", "coordsize": "21600,21600", f"{{{OFFICE}}}spt": "202",
            "path": "m,l,21600r21600,l21600,xe"})
        etree.SubElement(kind, f"{{{VML}}}stroke", joinstyle="miter")
        etree.SubElement(kind, f"{{{VML}}}path", {"gradientshapeok": "t", f"{{{OFFICE}}}connecttype": "rect"})
    for idx, (coord, width, height) in enumerate(boxes, 1026):
        row, col = _split(coord)
        shape = etree.SubElement(root, f"{{{VML}}}shape", {
            "type": "#_x0000_t202", "fillcolor": "#ffffe1", f"{{{OFFICE}}}insetmode": "auto",
            "style": (f"position:absolute; margin-left:59.25pt;margin-top:1.5pt;width:{width}px;"
                      f"height:{height}px;z-index:1;visibility:hidden"), "id": "_x0000_s%04d" % idx})
        etree.SubElement(shape, f"{{{VML}}}fill", color2="#ffffe1")
        etree.SubElement(shape, f"{{{VML}}}shadow", color="black", obscured="t")
        etree.SubElement(shape, f"{{{VML}}}path", {f"{{{OFFICE}}}connecttype": "none"})
        box = etree.SubElement(shape, f"{{{VML}}}textbox", style="mso-direction-alt:auto")
        etree.SubElement(box, "div", style="text-align:left")
        data = etree.SubElement(shape, f"{{{EXCEL}}}ClientData", ObjectType="Note")
        for tag in ("MoveWithCells", "SizeWithCells"):
            etree.SubElement(data, f"{{{EXCEL}}}{tag}")
        etree.SubElement(data, f"{{{EXCEL}}}AutoFill").text = "False"
        etree.SubElement(data, f"{{{EXCEL}}}Row").text = str(row - 1)
        etree.SubElement(data, f"{{{EXCEL}}}Column").text = str(col - 1)
    return etree.tostring(root)
