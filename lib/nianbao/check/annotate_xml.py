"""The annotated copy built from the workbook's own zip (issue 13): the
校验结果 sheet added as a new part, marked cells restyled and commented by
editing the sheet, styles, comments and VML parts with lxml; every other
part of the user's file is copied byte for byte.

It gives what ``annotate.write_annotated_openpyxl`` gives (same marks,
comments, result sheet, widths, heights, links, print setup; the same
style elements, ``annotate.STYLE_XML``), in a fraction of the time and
without importing openpyxl (~0.08 s) unless an earlier check's marks are
cleared; it keeps what openpyxl would drop (pictures, charts, rich text of
other comments).
``write_package`` raises ``Unsupported`` for a package outside what it
handles; ``write_annotated`` then falls back to openpyxl.
"""
from __future__ import annotations

import numbers
import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ..workbook.layout import get_column_letter, places
from .annotate import (AUTHOR, COMMENT_WIDTH, FILLS, HEADER_FILL, HEADERS, LINE_PT, RESULT_SHEET, STYLE_XML, column_widths,
                       comment_height, fill_xml, mark_comment, mark_fill, marked_cells, own_part, result_rows,
                       wrapped_lines)
from .result import CheckResult
from .xlsxparts import (CT_COMMENTS, CT_VML, CT_WORKSHEET, MAIN, REL, REL_COMMENTS, REL_STYLES, REL_VML,
                        REL_WORKSHEET, Package, Unsupported, q, rels_name)

WORKBOOK = "xl/workbook.xml"
#: Child order of CT_Worksheet and CT_Workbook (ECMA-376 Part 1, §18.3.1.99, §18.2.27).
SHEET_ORDER = ("sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
               "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
               "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup "
               "headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing "
               "legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts "
               "extLst").split()
BOOK_ORDER = ("fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
              "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
              "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst").split()
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
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


def _insert_in_order(parent, child, order: list[str]) -> None:
    """Insert ``child`` where the schema's child ``order`` puts it."""
    rank = order.index(etree.QName(child).localname)
    for i, el in enumerate(parent):
        name = etree.QName(el).localname if isinstance(el.tag, str) else ""
        if name in order and order.index(name) > rank:
            parent.insert(i, child)
            return
    parent.append(child)


class Styles:
    """Appends fonts, fills, borders and cell formats (from ``STYLE_XML``) to
    xl/styles.xml; existing entries keep their indices, so every other cell
    looks the same."""

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

    def fill(self, colour: str | None = None, xml: str | bytes | None = None) -> int:
        """The index of a solid fill of ``colour`` (RRGGBB), or of the <fill> ``xml``."""
        return self._add("fills", xml if xml is not None else fill_xml(colour))

    def xf(self, font: str | None = None, fill: str | None = None, border: bool = False,
           align: str | None = None) -> int:
        """A new cell format from the sheet's styles (names as in ``STYLE_XML``)."""
        attrs = {"numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"}
        if font:
            attrs["fontId"], attrs["applyFont"] = str(self._add("fonts", STYLE_XML[font])), "1"
        if fill:
            attrs["fillId"], attrs["applyFill"] = str(self.fill(fill)), "1"
        if border:
            attrs["borderId"], attrs["applyBorder"] = str(self._add("borders", STYLE_XML["border"])), "1"
        key = ("xf", repr(sorted(attrs.items())), align)
        if key not in self._ids:
            xf = etree.Element(q("xf"), attrs)
            if align:
                xf.set("applyAlignment", "1")
                xf.append(etree.fromstring(STYLE_XML[align]))
                xf[-1].tag = q("alignment")
            self._ids[key] = self._append_xf(xf)
        return self._ids[key]

    def with_fill(self, xf_index: int, fill: str) -> int:
        """A copy of cell format ``xf_index`` with ``fill`` (RRGGBB, or a <fill>
        element's XML), the cell's other looks kept."""
        key = ("refill", xf_index, fill)
        if key not in self._ids:
            xfs = self.lists["cellXfs"]
            if xf_index >= len(xfs):
                raise Unsupported(f"cell style {xf_index} not in styles.xml")
            xf = etree.fromstring(etree.tostring(xfs[xf_index]))
            xf.set("fillId", str(self.fill(xml=fill) if fill.startswith("<") else self.fill(fill)))
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

    def write_comments(self, changed: dict[str, tuple[str, str] | None]) -> None:
        """Apply ``changed`` (coord → (text, author), or None to remove) to the
        comments part and redraw the comment boxes (``comment_vml``); other
        comments are kept as they are, other shapes in the VML too."""
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
            t.text = _ILLEGAL.sub("", text)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        pkg.touch(self.comments_part)

        legacy = self.root.find(q("legacyDrawing"))
        vml_part = self.rels.get(legacy.get(q("id", REL)), (None, None))[1] if legacy is not None else None
        vml = pkg.xml(vml_part) if vml_part else None
        if legacy is not None and vml_part is None:
            raise Unsupported(f"{self.part}: legacyDrawing without its part")
        boxes = [(coord, *_box(*final[coord])) for coord in sorted(final, key=_split)]
        data = comment_vml(vml, boxes)
        if vml_part is None:
            vml_part = pkg.free_name("xl/drawings/commentsDrawing{}.vml")
            pkg.ensure_default("vml", CT_VML)
            rid = pkg.add_rel(self.part, REL_VML, vml_part)
            legacy = etree.Element(q("legacyDrawing"), nsmap={"r": REL})
            legacy.set(q("id", REL), rid)
            _insert_in_order(self.root, legacy, SHEET_ORDER)
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


def _box(text: str, author: str) -> tuple[int, int]:
    """(width, height) in px of a comment box: ours sized to the text, others
    openpyxl's default (it does not read the sizes either)."""
    return (COMMENT_WIDTH, comment_height(text)) if author == AUTHOR else (144, 79)


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


def _result_sheet_xml(rows, widths: list[float], x: dict) -> bytes:
    """The 校验结果 worksheet part: header, rows, links, widths, heights,
    frozen header, landscape A4 one page wide with the header repeated."""
    out = [f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
           f'<dimension ref="A1:I{len(rows) + 1}"/>',
           '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
           'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
           '</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><cols>']
    out += [f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1)]
    out.append(f'</cols><sheetData><row r="1" ht="{LINE_PT + 6}" customHeight="1">')
    out += [_cell(f"{get_column_letter(i)}1", v, x["head"]) for i, v in enumerate(HEADERS, 1)]
    out.append("</row>")
    links = []
    for n, r in enumerate(rows, 2):
        lines = max([1] + [wrapped_lines(v, w) for v, w in zip(r.values, widths)])
        out.append(f'<row r="{n}" ht="{LINE_PT * lines + 4}" customHeight="1">')
        for i, v in enumerate(r.values, 1):
            style = x["body"]
            if i == 2 and r.severity:
                style = x[r.severity]
            elif i == 3 and r.link:
                style = x["link"]
                target = f"'{r.link.sheet}'!{r.link.coord}"
                links.append(f'<hyperlink ref="C{n}" location="{_escape(target, True)}" '
                             f'display="{_escape(v, True)}"/>')
            out.append(_cell(f"{get_column_letter(i)}{n}", v, style))
        out.append("</row>")
    out.append("</sheetData>")
    if links:
        out.append("<hyperlinks>" + "".join(links) + "</hyperlinks>")
    out.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
               '<pageSetup orientation="landscape" paperSize="9" fitToHeight="0" fitToWidth="1"/></worksheet>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + "".join(out)).encode("utf-8")


def _escape(v, attribute: bool = False) -> str:
    """``v`` as XML text (or a double-quoted attribute's value), characters XML forbids left out."""
    s = _ILLEGAL.sub("", str(v)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\r", "&#13;")
    if attribute:
        s = s.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return s


def _cell(ref: str, v, style: int) -> str:
    if v is None or v == "":
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(v, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, numbers.Real):
        v = int(v) if isinstance(v, numbers.Integral) else float(v)
        return f'<c r="{ref}" s="{style}" t="n"><v>{v!r}</v></c>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_escape(v)}</t></is></c>'


def _book(pkg: Package):
    """The workbook part, its <sheets> element and each sheet's (name, element, part)."""
    root = pkg.xml(WORKBOOK)
    if root.tag != q("workbook"):
        raise Unsupported(f"workbook root {root.tag}")      # e.g. Strict OOXML
    sheets = root.find(q("sheets"))
    if sheets is None:
        raise Unsupported("no <sheets>")
    targets = {rid: (typ, t) for rid, typ, t in pkg.rels(WORKBOOK)}
    listed = []
    for s in sheets.iterfind(q("sheet")):
        typ, part = targets.get(s.get(q("id", REL)), (None, None))
        listed.append((s.get("name"), s, part if typ == REL_WORKSHEET else None))
    styles = next((t for typ, t in targets.values() if typ == REL_STYLES), None)
    if styles is None or not pkg.has(styles):
        raise Unsupported("no styles part")
    return root, sheets, listed, styles


def _shift_sheet_indices(root, removed: int | None) -> None:
    """Defined names local to a sheet follow it: drop those of the ``removed``
    sheet, then make room for the result sheet at index 0."""
    names = root.find(q("definedNames"))
    if names is None:
        return
    for dn in list(names):
        local = dn.get("localSheetId")
        if local is None:
            continue
        i = int(local)
        if removed is not None and i == removed:
            names.remove(dn)
            continue
        if removed is not None and i > removed:
            i -= 1
        dn.set("localSheetId", str(i + 1))


@lru_cache(maxsize=1)
def _input_fill() -> str:
    """The input cells' fill (workbook.styles.INPUT_FILL) as <fill> XML; imports
    openpyxl, so only when an earlier check's marks are cleared."""
    from openpyxl.xml.functions import tostring

    from ..workbook.styles import INPUT_FILL

    return tostring(INPUT_FILL.to_tree()).decode()


def write_package(src: str | Path, result: CheckResult, out: str | Path) -> None:
    """Write the annotated copy of ``src`` to ``out`` (a new file; ``src`` is only read).

    Raises ``Unsupported`` (nothing written) when the package is outside what
    this path handles."""
    pkg = Package.open(src)
    root, sheets_el, listed, styles_part = _book(pkg)
    styles = Styles(pkg, styles_part)

    removed = None                                     # an earlier run's result sheet goes
    for i, (name, el, part) in enumerate(listed):
        if name == RESULT_SHEET:
            removed = i
            sheets_el.remove(el)
            rid = el.get(q("id", REL))
            if part:
                pkg.drop(part)
                pkg.drop(rels_name(part))
                pkg.set_override(part, None)
            pkg.drop_rel(WORKBOOK, rid)
    listed = [s for s in listed if s[0] != RESULT_SHEET]
    parts = {name: part for name, _, part in listed if part}
    sheetnames = [name for name, _, _ in listed]

    marks = marked_cells(result, sheetnames)
    by_sheet: dict[str, list[str]] = {}
    for p in places().values():
        by_sheet.setdefault(p.sheet, []).append(p.coord)
    touched_sheets = {s for s, _ in marks} | {s for s in by_sheet if s in parts}
    for name in sheetnames:
        part = parts.get(name)
        if part is None:
            continue
        if name not in touched_sheets:
            if b"tabSelected" in pkg.data.get(part, b""):
                Sheet(pkg, part).unselect()
            continue
        sheet = Sheet(pkg, part)
        sheet.unselect()
        comments = dict(sheet.comments)
        changed: dict[str, tuple[str, str] | None] = {}
        fills: dict[str, str] = {}
        for coord in by_sheet.get(name, []):            # the earlier check's marks
            c = comments.get(coord)
            if c is None or c[1] != AUTHOR:
                continue
            own = own_part(c[0])
            changed[coord] = comments[coord] = (own, "") if own.strip() else None
            if comments[coord] is None:
                del comments[coord]
            fills[coord] = _input_fill()
        for (s, coord), findings in marks.items():
            if s != name or coord in sheet.covered:
                continue
            colour = mark_fill(findings)
            if colour:
                fills[coord] = colour
            text = mark_comment(findings, comments.get(coord))
            changed[coord] = comments[coord] = (text, AUTHOR)
        for coord, colour in fills.items():
            c = sheet.cell(coord)
            c.set("s", str(styles.with_fill(int(c.get("s", "0")), colour)))
        if fills:
            pkg.touch(part)
        sheet.write_comments(changed)

    x = {"head": styles.xf(font="head_font", fill=HEADER_FILL, align="head_align"),
         "body": styles.xf(border=True, align="body_align"),
         "link": styles.xf(font="link_font", border=True, align="body_align")}
    for sev, colour in FILLS.items():
        x[sev] = styles.xf(fill=colour, border=True, align="body_align")
    rows = result_rows(result, sheetnames)
    widths = column_widths([r.values for r in rows])
    part = pkg.free_name("xl/worksheets/sheet{}.xml")
    pkg.put(part, _result_sheet_xml(rows, widths, x))
    pkg.set_override(part, CT_WORKSHEET)
    rid = pkg.add_rel(WORKBOOK, REL_WORKSHEET, part)
    ids = [int(s.get("sheetId", "0")) for s in sheets_el.iterfind(q("sheet"))]
    new = etree.Element(q("sheet"), name=RESULT_SHEET, sheetId=str(max(ids + [0]) + 1), nsmap={"r": REL})
    new.set(q("id", REL), rid)
    sheets_el.insert(0, new)
    _shift_sheet_indices(root, removed)
    names = root.find(q("definedNames"))
    if names is None:
        names = etree.Element(q("definedNames"))
        _insert_in_order(root, names, BOOK_ORDER)
    title = etree.SubElement(names, q("definedName"), name="_xlnm.Print_Titles", localSheetId="0")
    title.text = f"'{RESULT_SHEET}'!$1:$1"
    for view in root.iterfind(f"{q('bookViews')}/{q('workbookView')}"):
        view.set("activeTab", "0")
        view.set("firstSheet", "0")
    pkg.touch(WORKBOOK)
    pkg.save(out)

