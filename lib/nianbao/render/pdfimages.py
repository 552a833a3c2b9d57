"""The Word file's chart images, put into its PDF as they are.

LibreOffice's PDF export decodes every picture of the .docx and compresses
its pixels again: for the five charts of a report ~0.17 s of the ~0.4 s
conversion (7.4, measured in benchmarks/README.md). A PNG whose pixels are
8-bit RGB, not interlaced, needs none of that: its IDAT data is already a
PDF image stream (``/FlateDecode`` with ``/DecodeParms << /Predictor 15
/Colors 3 /BitsPerComponent 8 /Columns width >>``, ISO 32000-1 §7.4.4.4),
and the charts' publication PNGs are such PNGs (``chartpng.publication_png``).

So the copy LibreOffice converts (``pdf.libreoffice_copy``) holds, for each
such picture shown plainly (``plain_pictures``: in the body, stretched to
its frame, no crop, effect or recolouring, as ``render_docx`` places the
charts), a tiny stand-in of a size of its own, filled with a marker colour; LibreOffice lays out the page exactly as before (a picture's size on
the page comes from the document, not from its pixels). Then ``restore``
gives each stand-in's image object in the PDF the original PNG's data, byte
for byte: the PDF's charts are the Word file's charts, pixel for pixel
(``tests/test_render_pdf.py`` renders both ways and compares).

Never a PDF with a stand-in in it: ``restore`` raises ``StandInsLost`` when
an image in the PDF looks like a stand-in (marker colour) but is not one
exactly as written (cropped, resampled, recoloured), and the converters then
convert again without stand-ins. ``NIANBAO_PDF_STANDINS=0`` turns stand-ins
off (LibreOffice then compresses every picture itself, as before).

The PDF is rewritten with pikepdf (qpdf), ~5 ms for a report.
"""
from __future__ import annotations

import functools
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

#: Environment switch: "0" gives LibreOffice the pictures themselves.
ENV_SWITCH = "NIANBAO_PDF_STANDINS"
#: A stand-in is (STANDIN_WIDTH + n) x STANDIN_HEIGHT pixels, n = 1, 2 …
STANDIN_WIDTH, STANDIN_HEIGHT = 16, 9
#: Every stand-in pixel is (MARKER_RED, MARKER_GREEN, n % 256).
MARKER_RED, MARKER_GREEN = 0x4E, 0x42
#: The PNG chunks a picture may have to be stood in for: anything else
#: (transparency, gamma, colour profile …) LibreOffice interprets itself.
_PLAIN_CHUNKS = {b"IHDR", b"IDAT", b"IEND", b"pHYs", b"tEXt", b"zTXt", b"iTXt"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Images up to this many pixels are looked at for the marker colour (a
#: stand-in LibreOffice cropped or resampled: it never enlarges them).
_SMALL = 256 * 256


#: A picture as ``render_docx`` (python-docx) places it: the whole picture
#: stretched to its frame, nothing else. Group 1: its relationship id.
_PLAIN_PIC = re.compile(
    rb'<pic:pic>\s*<pic:nvPicPr>(?:(?!</pic:nvPicPr>).)*</pic:nvPicPr>\s*'
    rb'<pic:blipFill>\s*<a:blip r:embed="(rId\w+)"\s*/>\s*<a:stretch>\s*<a:fillRect\s*/>\s*</a:stretch>\s*'
    rb'</pic:blipFill>\s*<pic:spPr>\s*<a:xfrm>\s*<a:off x="0" y="0"\s*/>\s*<a:ext cx="\d+" cy="\d+"\s*/>\s*'
    rb'</a:xfrm>\s*<a:prstGeom prst="rect"\s*(?:/>|>\s*<a:avLst\s*/>\s*</a:prstGeom>)\s*</pic:spPr>\s*</pic:pic>',
    re.S)
_ANY_REF = re.compile(rb'r:(?:embed|link|id|pict)="(rId\w+)"')
_RELATIONSHIP = re.compile(rb'<Relationship\b[^>]*>')
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


def plain_pictures(docx: zipfile.ZipFile) -> set[str]:
    """The ``word/media/`` members shown only as plain pictures (``_PLAIN_PIC``)
    in the body: not cropped, recoloured or given effects, not used by a
    header, footer or anything else. Only these get stand-ins."""
    names = set(docx.namelist())
    if "word/document.xml" not in names or "word/_rels/document.xml.rels" not in names:
        return set()
    targets = {}
    for rel in _RELATIONSHIP.findall(docx.read("word/_rels/document.xml.rels")):
        attrs = dict(_ATTR.findall(rel))
        if attrs.get(b"TargetMode") != b"External" and b"Id" in attrs and b"Target" in attrs:
            targets[attrs[b"Id"]] = "word/" + attrs[b"Target"].decode("utf-8", "replace").lstrip("/")
    body = docx.read("word/document.xml")
    plain: dict[bytes, int] = {}
    for m in _PLAIN_PIC.finditer(body):
        plain[m.group(1)] = plain.get(m.group(1), 0) + 1
    used: dict[bytes, int] = {}
    for ref in _ANY_REF.findall(body):
        used[ref] = used.get(ref, 0) + 1
    elsewhere = b"".join(docx.read(n) for n in names
                         if n.endswith(".rels") and n != "word/_rels/document.xml.rels")
    found = set()
    for rid, count in plain.items():
        target = targets.get(rid, "")
        if (count == used.get(rid) and target.startswith("word/media/") and target in names
                and Path(target).name.encode() not in elsewhere):
            found.add(target)
    # a medium two relationships point to must be plain through both
    for rid, target in targets.items():
        if target in found and plain.get(rid) != used.get(rid):
            found.discard(target)
    return found


class StandInsLost(Exception):
    """The PDF shows a stand-in that ``restore`` could not replace."""


@dataclass
class StandIns:
    """The pictures replaced in one copy: stand-in size (w, h) → the original
    PNG's (width, height, IDAT data)."""
    originals: dict[tuple[int, int], tuple[int, int, bytes]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.originals)

    def stand_in(self, png: bytes) -> bytes | None:
        """A stand-in PNG for ``png`` (recorded here), or None if ``png`` is
        not an 8-bit RGB, non-interlaced PNG with only plain chunks."""
        parsed = _plain_rgb_png(png)
        if parsed is None:
            return None
        n = len(self.originals) + 1
        size = (STANDIN_WIDTH + n, STANDIN_HEIGHT)
        self.originals[size] = parsed
        return _png(*size, bytes((MARKER_RED, MARKER_GREEN, n % 256)))


def enabled() -> bool:
    """Whether conversions use stand-ins: ``NIANBAO_PDF_STANDINS`` is not "0"
    and pikepdf is installed (without it LibreOffice embeds the pictures)."""
    return os.environ.get(ENV_SWITCH, "1") != "0" and _have_pikepdf()


@functools.lru_cache(maxsize=1)
def _have_pikepdf() -> bool:
    import importlib.util

    return importlib.util.find_spec("pikepdf") is not None


def _chunks(png: bytes):
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        yield kind, png[pos + 8:pos + 8 + length]
        pos += 12 + length


def _plain_rgb_png(png: bytes) -> tuple[int, int, bytes] | None:
    """(width, height, IDAT data) of an 8-bit RGB non-interlaced PNG with
    only ``_PLAIN_CHUNKS``; None for any other picture."""
    if not png.startswith(_PNG_SIGNATURE):
        return None
    header, idat = None, []
    try:
        for kind, body in _chunks(png):
            if kind not in _PLAIN_CHUNKS:
                return None
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat.append(body)
    except struct.error:
        return None
    if header is None or not idat:
        return None
    width, height, depth, colour, compression, filtering, interlace = header
    if (depth, colour, compression, filtering, interlace) != (8, 2, 0, 0, 0):
        return None
    return width, height, b"".join(idat)


def _png(width: int, height: int, pixel: bytes) -> bytes:
    """A PNG of ``width`` x ``height`` pixels, each the RGB ``pixel``."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = (b"\x00" + pixel * width) * height
    return (_PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def restore(pdf_path: str | os.PathLike, stand_ins: StandIns) -> int:
    """Give every stand-in's image object in the PDF at ``pdf_path`` the
    original picture's data (the file is replaced atomically); returns how
    many image objects were restored.

    Raises ``StandInsLost`` if an image shows the marker colour but is not a
    stand-in exactly as written (the PDF must then be made without them).
    A stand-in absent from the PDF is fine: its picture is not shown either."""
    import pikepdf

    pdf_path = Path(pdf_path)
    try:
        return _restore(pdf_path, stand_ins)
    except pikepdf.PdfError as e:       # a PDF qpdf cannot read or write: make it without stand-ins
        raise StandInsLost(f"pikepdf: {e}") from None


def _restore(pdf_path: Path, stand_ins: StandIns) -> int:
    import pikepdf
    from pikepdf import Dictionary, Name

    restored = 0
    with pikepdf.open(pdf_path) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream) or obj.get("/Subtype") != Name.Image:
                continue
            width, height = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
            original = stand_ins.originals.get((width, height))
            if original is None:
                if width * height <= _SMALL and _looks_like_stand_in(obj):
                    raise StandInsLost(f"{width}x{height} 的图片像替身，但不是原样")
                continue
            n = width - STANDIN_WIDTH
            expected = bytes((MARKER_RED, MARKER_GREEN, n % 256)) * (width * height)
            if (obj.get("/BitsPerComponent") != 8 or obj.get("/ColorSpace") != Name.DeviceRGB
                    or "/SMask" in obj or "/Mask" in obj or "/Decode" in obj or obj.read_bytes() != expected):
                raise StandInsLost(f"替身 {width}x{height} 在 PDF 中被改动过")
            real_width, real_height, idat = original
            obj.write(idat, filter=Name.FlateDecode,
                      decode_parms=Dictionary(Predictor=15, Colors=3, BitsPerComponent=8, Columns=real_width))
            obj.Width, obj.Height = real_width, real_height
            restored += 1
        if restored:
            partial = pdf_path.with_name(f".{pdf_path.name}.images")
            pdf.save(partial)
    if restored:
        os.replace(partial, pdf_path)
    return restored


def preload() -> None:
    """Import pikepdf in a background thread (~0.06 s), so that the first
    ``restore`` does not wait for it; called when a LibreOffice is launched."""
    import importlib
    import threading

    threading.Thread(target=importlib.import_module, args=("pikepdf",), daemon=True,
                     name="nianbao-pikepdf").start()


def _looks_like_stand_in(obj) -> bool:
    """A small image whose every pixel has the marker's red and green."""
    try:
        import pikepdf

        rgb = pikepdf.PdfImage(obj).as_pil_image().convert("RGB").tobytes()
    except Exception:
        return False
    return bool(rgb) and set(rgb[0::3]) == {MARKER_RED} and set(rgb[1::3]) == {MARKER_GREEN}
