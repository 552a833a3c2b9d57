"""An .xlsx file as its zip parts, for editing a few parts and copying the
rest unchanged (ECMA-376 Part 2, Open Packaging Conventions).

    pkg = Package.open("in.xlsx")
    root = pkg.xml("xl/workbook.xml")        # lxml tree, cached; pkg.touch(name) marks it changed
    pkg.save("out.xlsx")                      # changed parts re-serialised, every other part byte-equal

Part names are zip member names (no leading "/"). Raises ``Unsupported``
for a package this module does not understand (not a zip, a missing part,
Strict OOXML); the caller then takes a slower, general path.
"""
from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_WORKSHEET = REL + "/worksheet"
REL_STYLES = REL + "/styles"
REL_COMMENTS = REL + "/comments"
REL_VML = REL + "/vmlDrawing"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CONTENT_TYPES = "[Content_Types].xml"
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, remove_blank_text=False)


class Unsupported(Exception):
    """The package is outside what the fast path handles (reason in the message)."""


def q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


def rels_name(part: str) -> str:
    """The relationships part of ``part`` ("xl/workbook.xml" → "xl/_rels/workbook.xml.rels")."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target (relative to ``source``'s folder, or absolute) as a part name."""
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


class Package:
    def __init__(self, infos: list[zipfile.ZipInfo], data: dict[str, bytes]):
        self.infos = infos                    # original order and timestamps
        self.data = data                      # part name → bytes (as read, or as replaced)
        self._trees: dict[str, etree._Element] = {}
        self._changed: set[str] = set()

    @classmethod
    def open(cls, path: str | Path) -> "Package":
        try:
            with zipfile.ZipFile(path) as z:
                infos = z.infolist()
                data = {i.filename: z.read(i) for i in infos}
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
            raise Unsupported(f"not a readable zip: {e}") from e
        if CONTENT_TYPES not in data or "xl/workbook.xml" not in data:
            raise Unsupported("no [Content_Types].xml or xl/workbook.xml")
        return cls(infos, data)

    # --- parts -----------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.data or name in self._trees

    def xml(self, name: str) -> etree._Element:
        """The parsed part (parsed once); call ``touch`` after changing it."""
        if name not in self._trees:
            if name not in self.data:
                raise Unsupported(f"missing part {name}")
            try:
                self._trees[name] = etree.fromstring(self.data[name], _PARSER)
            except etree.XMLSyntaxError as e:
                raise Unsupported(f"{name} is not well-formed XML: {e}") from e
        return self._trees[name]

    def touch(self, name: str) -> None:
        self._changed.add(name)

    def put(self, name: str, data: bytes | etree._Element) -> None:
        """Add or replace a part (bytes, or an lxml tree serialised on save)."""
        if isinstance(data, bytes):
            self.data[name] = data
            self._trees.pop(name, None)
            self._changed.discard(name)
        else:
            self._trees[name] = data
            self.data.setdefault(name, b"")
            self._changed.add(name)

    def drop(self, name: str) -> None:
        self.data.pop(name, None)
        self._trees.pop(name, None)
        self._changed.discard(name)

    def free_name(self, pattern: str) -> str:
        """The first ``pattern.format(n)`` (n = 1, 2 …) that is not a part yet."""
        n = 1
        while self.has(pattern.format(n)):
            n += 1
        return pattern.format(n)

    # --- relationships and content types -----------------------------------------
    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """``part``'s relationships as (Id, Type, target part name); [] when it has none.
        External targets are left out."""
        name = rels_name(part)
        if not self.has(name):
            return []
        return [(r.get("Id"), r.get("Type"), resolve(part, r.get("Target")))
                for r in self.xml(name) if r.get("TargetMode") != "External"]

    def add_rel(self, part: str, rel_type: str, target: str) -> str:
        """Relate ``part`` to the part ``target`` (absolute target); returns the new Id."""
        name = rels_name(part)
        if not self.has(name):
            self.put(name, etree.Element(q("Relationships", PKG_REL), nsmap={None: PKG_REL}))
        root = self.xml(name)
        ids = {r.get("Id") for r in root}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        etree.SubElement(root, q("Relationship", PKG_REL), Id=f"rId{n}", Type=rel_type, Target="/" + target)
        self.touch(name)
        return f"rId{n}"

    def drop_rel(self, part: str, rel_id: str) -> None:
        root = self.xml(rels_name(part))
        for r in root:
            if r.get("Id") == rel_id:
                root.remove(r)
        self.touch(rels_name(part))

    def set_override(self, part: str, content_type: str | None) -> None:
        """Declare ``part``'s content type (None: remove its declaration)."""
        root = self.xml(CONTENT_TYPES)
        for o in root.findall(q("Override", CT)):
            if o.get("PartName") == "/" + part:
                root.remove(o)
        if content_type:
            etree.SubElement(root, q("Override", CT), PartName="/" + part, ContentType=content_type)
        self.touch(CONTENT_TYPES)

    def ensure_default(self, extension: str, content_type: str) -> None:
        root = self.xml(CONTENT_TYPES)
        if not any(d.get("Extension", "").lower() == extension for d in root.findall(q("Default", CT))):
            root.insert(0, etree.Element(q("Default", CT), Extension=extension, ContentType=content_type))
            self.touch(CONTENT_TYPES)

    # --- writing -------------------------------------------------------------------
    def to_bytes(self, name: str) -> bytes:
        if name in self._changed:
            return etree.tostring(self._trees[name], xml_declaration=True, encoding="UTF-8", standalone=True)
        return self.data[name]

    def save(self, path: str | Path) -> None:
        """Write every part: unchanged ones byte-equal, in the original order, new ones last."""
        seen = set()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info in self.infos:
                if info.filename in self.data:
                    seen.add(info.filename)
                    out = zipfile.ZipInfo(info.filename, info.date_time)
                    out.compress_type = zipfile.ZIP_DEFLATED
                    out.external_attr = info.external_attr
                    z.writestr(out, self.to_bytes(info.filename))
            for name in self.data:
                if name not in seen:
                    z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), self.to_bytes(name),
                               zipfile.ZIP_DEFLATED)
