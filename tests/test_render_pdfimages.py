"""The Word file's pictures go into its PDF as they are (``render.pdfimages``):
LibreOffice converts a copy with stand-ins, ``restore`` puts the pictures
back. The PDF's chart streams are the .docx's PNG data byte for byte, every
page looks exactly as when LibreOffice embeds the pictures itself, and a
stand-in never survives into a PDF."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from nianbao import charts as nc
from nianbao import reportjson
from nianbao.render import docx_to_pdf, render_docx
from nianbao.render import pdfimages
from nianbao.render.pdf import find_soffice, libreoffice_copy

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-agency"
needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


def _png(mode: str, **save) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (20, 10), "white" if mode != "P" else 0).save(buf, format="png", **save)
    return buf.getvalue()


def _interlaced() -> bytes:
    """An RGB PNG whose header says Adam7 (Pillow writes none)."""
    png = bytearray(_png("RGB"))
    png[28] = 1                                      # IHDR's interlace method
    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")
    return bytes(png)


def _all_marker(image: Image.Image) -> bool:
    rgb = image.convert("RGB").tobytes()
    return set(rgb[0::3]) == {pdfimages.MARKER_RED} and set(rgb[1::3]) == {pdfimages.MARKER_GREEN}


def test_only_plain_8_bit_rgb_pngs_get_a_stand_in():
    stand_ins = pdfimages.StandIns()
    plain = stand_ins.stand_in(_png("RGB", dpi=(150, 150)))
    assert plain is not None
    with Image.open(io.BytesIO(plain)) as im:
        assert im.mode == "RGB" and im.size == (pdfimages.STANDIN_WIDTH + 1, pdfimages.STANDIN_HEIGHT)
        assert _all_marker(im) and set(im.tobytes()[2::3]) == {1}
    assert pdfimages._plain_rgb_png(_interlaced()) is None and pdfimages._plain_rgb_png(_png("RGB"))
    for other in (_png("RGBA"), _png("P"), _png("L"), _interlaced(),
                  _png("RGB", transparency=(255, 255, 255)), b"\xff\xd8\xff\xe0 a JPEG", b""):
        assert stand_ins.stand_in(other) is None
    assert list(stand_ins.originals) == [(pdfimages.STANDIN_WIDTH + 1, pdfimages.STANDIN_HEIGHT)]
    assert not pdfimages.StandIns()


@pytest.fixture(scope="module")
def demo_docx(tmp_path_factory) -> Path:
    """The demo report with its standard charts (publication PNGs, 8-bit RGB)."""
    out = tmp_path_factory.mktemp("pdfimages")
    report, prior = reportjson.load(DEMO / "2024.json"), reportjson.load(DEMO / "2023.json")
    images = nc.save(nc.standard(report, prior), out / "charts", svg=False)
    return render_docx(report, prior, out / "report.docx", charts=images).path


def _media_idat(docx: Path) -> set[bytes]:
    with zipfile.ZipFile(docx) as z:
        found = {pdfimages._plain_rgb_png(z.read(n)) for n in z.namelist() if n.startswith("word/media/")}
    assert None not in found
    return {idat for _, _, idat in found}


_opened: list[pikepdf.Pdf] = []      # the objects below live as long as their Pdf


def _images(pdf_path: Path) -> list[pikepdf.Stream]:
    pdf = pikepdf.open(pdf_path)
    _opened.append(pdf)
    return [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == pikepdf.Name.Image]


def _is_marker(obj) -> bool:
    return _all_marker(pikepdf.PdfImage(obj).as_pil_image())


def _converters() -> dict[str, bool]:
    from nianbao.render import office

    return {"one-shot": False, **({"warm": True} if office.uno_python() is not None else {})}


@needs_soffice
def test_both_converters_put_the_word_pictures_in_byte_for_byte(demo_docx, tmp_path):
    idats = _media_idat(demo_docx)
    assert len(idats) >= 4
    for name, warm in _converters().items():
        out = docx_to_pdf(demo_docx, tmp_path / f"{name}.pdf", timeout=180, warm=warm)
        images = _images(out.path)
        assert {obj.read_raw_bytes() for obj in images} == idats, name
        for obj in images:
            assert obj.DecodeParms.Predictor == 15 and obj.ColorSpace == pikepdf.Name.DeviceRGB
            assert "/SMask" not in obj
    assert not list(tmp_path.glob(".*")), "no partial file or copy is left"


@needs_soffice
@needs_poppler
def test_no_pixel_of_any_page_changes(demo_docx, tmp_path, monkeypatch):
    """Against LibreOffice embedding the pictures itself (NIANBAO_PDF_STANDINS=0)."""
    pages = {}
    for switch in ("0", "1"):
        monkeypatch.setenv(pdfimages.ENV_SWITCH, switch)
        out = docx_to_pdf(demo_docx, tmp_path / f"s{switch}.pdf", timeout=180, warm=False)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(out.path), str(tmp_path / f"p{switch}")], check=True)
        pages[switch] = sorted(tmp_path.glob(f"p{switch}-*.png"))
        if switch == "0":
            assert not any(obj.get("/DecodeParms") for obj in _images(out.path))   # LibreOffice's own
    assert len(pages["0"]) == len(pages["1"]) >= 8
    for a, b in zip(pages["0"], pages["1"]):
        with Image.open(a) as x, Image.open(b) as y:
            assert x.convert("RGB").tobytes() == y.convert("RGB").tobytes(), b.name


@pytest.fixture
def with_stand_ins(demo_docx, tmp_path, monkeypatch):
    """A PDF of the stand-in copy as LibreOffice makes it, and its stand-ins."""
    stand_ins = pdfimages.StandIns()
    copy = libreoffice_copy(demo_docx, tmp_path, stand_ins)
    monkeypatch.setenv(pdfimages.ENV_SWITCH, "0")
    out = docx_to_pdf(copy, tmp_path / "stand-ins.pdf", timeout=180, warm=False)
    monkeypatch.delenv(pdfimages.ENV_SWITCH)
    assert all(_is_marker(obj) for obj in _images(out.path))
    return out.path, stand_ins


@needs_soffice
def test_restore_replaces_every_stand_in(with_stand_ins, demo_docx):
    pdf_path, stand_ins = with_stand_ins
    assert pdfimages.restore(pdf_path, stand_ins) == len(stand_ins.originals)
    assert {obj.read_raw_bytes() for obj in _images(pdf_path)} == _media_idat(demo_docx)


@needs_soffice
@pytest.mark.parametrize("change", ["pixels", "cropped", "soft mask"])
def test_a_changed_stand_in_is_refused(with_stand_ins, change):
    pdf_path, stand_ins = with_stand_ins
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        obj = next(o for o in pdf.objects if isinstance(o, pikepdf.Stream)
                   and o.get("/Subtype") == pikepdf.Name.Image)
        w, h = int(obj.Width), int(obj.Height)
        if change == "pixels":
            obj.write(bytes(w * h * 3))
        elif change == "cropped":
            obj.write(obj.read_bytes()[: (w - 3) * h * 3])
            obj.Width = w - 3
        else:
            obj.SMask = pdf.make_stream(b"\xff" * (w * h), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                                        Width=w, Height=h, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
        pdf.save(pdf_path)
    before = pdf_path.read_bytes()
    with pytest.raises(pdfimages.StandInsLost):
        pdfimages.restore(pdf_path, stand_ins)
    assert pdf_path.read_bytes() == before                  # left as it was, for the caller to redo


def _changed(docx: Path, out: Path, change: str) -> Path:
    """``docx`` with its first picture cropped, grey, or also used by a header."""
    blip = {"crop": rb'\1/><a:srcRect l="20000" r="10000"/>', "grey": rb"\1><a:grayscl/></a:blip>",
            "header": rb"\1/>"}[change]
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data, n = re.subn(rb'(<a:blip r:embed="rId\w+")\s*/>', blip, data, count=1)
                assert n == 1
            dst.writestr(info, data)
        if change == "header":
            dst.writestr("word/_rels/header9.xml.rels",
                         '<Relationships><Relationship Id="rId1" Target="media/image1.png"/></Relationships>')
    return out


@pytest.mark.parametrize("change", ["crop", "grey", "header"])
def test_only_plainly_shown_pictures_get_stand_ins(demo_docx, tmp_path, change):
    with zipfile.ZipFile(demo_docx) as z:
        everything = pdfimages.plain_pictures(z)
    assert len(everything) == len(_media_idat(demo_docx))
    with zipfile.ZipFile(_changed(demo_docx, tmp_path / "changed.docx", change)) as z:
        assert pdfimages.plain_pictures(z) == everything - {"word/media/image1.png"}


@needs_soffice
@needs_poppler
@pytest.mark.parametrize("change", ["crop", "grey"])
def test_a_cropped_or_grey_picture_looks_as_without_stand_ins(demo_docx, tmp_path, monkeypatch, change):
    changed = _changed(demo_docx, tmp_path / "changed.docx", change)
    pages = {}
    for switch in ("0", "1"):
        monkeypatch.setenv(pdfimages.ENV_SWITCH, switch)
        out = docx_to_pdf(changed, tmp_path / f"s{switch}.pdf", timeout=180, warm=False)
        assert not any(_is_marker(obj) for obj in _images(out.path))
        subprocess.run(["pdftoppm", "-r", "60", "-f", "6", "-l", "6", "-png", str(out.path),
                        str(tmp_path / f"p{switch}")], check=True)
        [pages[switch]] = tmp_path.glob(f"p{switch}-*.png")
    with Image.open(pages["0"]) as x, Image.open(pages["1"]) as y:
        assert x.convert("RGB").tobytes() == y.convert("RGB").tobytes()
