"""PDF through headless LibreOffice: the text equals the Word text, 公文
typography (28 characters a line, nothing past the type area), fonts named."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from conftest import folder_only_font
from test_render_support import seed_prior, seed_report

from nianbao import reportjson
from nianbao.errors import InputError
from nianbao.render import ChartImage, docx_to_pdf, render_docx
from nianbao.render.fidelity import PdfTextMismatch, check_pdf_text, text_differences
from nianbao.render.pdf import PdfConversion, find_soffice

pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftotext) not installed")

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-agency"

#: The 版心 on A4: 28 mm left margin, 156 mm wide (GB/T 9704-2012 5.2.1).
LEFT_PT, RIGHT_PT = 28 / 25.4 * 72, (28 + 156) / 25.4 * 72


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> PdfConversion:
    out = tmp_path_factory.mktemp("pdf")
    docx = render_docx(seed_report(), seed_prior(), out / "report.docx").path
    return docx_to_pdf(docx, out / "report.pdf", timeout=180)


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory) -> PdfConversion:
    """The demo agency's 2024 report with two charts and one left out."""
    from matplotlib.figure import Figure
    out = tmp_path_factory.mktemp("demo")
    charts = []
    for i, title in enumerate(("政府信息公开申请办理结果", "政务公开工作指标")):
        fig = Figure(figsize=(6, 3))
        fig.add_subplot().bar([0, 1, 2], [3, 1 + i, 2])
        fig.savefig(out / f"c{i}.png", dpi=80)
        charts.append(ChartImage(title, out / f"c{i}.png"))
    docx = render_docx(reportjson.load(DEMO / "2024.json"), reportjson.load(DEMO / "2023.json"),
                       out / "report.docx", charts=charts, omitted=["行政复议、行政诉讼结果"]).path
    return docx_to_pdf(docx, out / "report.pdf", timeout=180)


def test_pdf_text_layer_has_chinese_title(pdf):
    reader = PdfReader(str(pdf.path))
    assert len(reader.pages) >= 4
    first = "".join(reader.pages[0].extract_text().split())
    assert "淄博市人民政府外事办公室" in first
    assert "2023年政府信息公开工作年度报告" in first


@needs_poppler
@pytest.mark.parametrize("which", ["pdf", "demo_pdf"])
def test_pdf_text_equals_word_text(which, request):
    """The seed once lost the "。" after "便捷的服务" at a justified line end."""
    conv = request.getfixturevalue(which)
    assert conv.text_checked
    check_pdf_text(conv.path.with_suffix(".docx"), conv.path)      # raises on any difference
    raw = subprocess.run(["pdftotext", "-raw", str(conv.path), "-"], capture_output=True,
                         text=True, check=True).stdout
    if which == "pdf":
        assert "便捷的服务。2023全年" in "".join(raw.split())
        lines = raw.splitlines()            # phone numbers never broken at their hyphen
        for number in ("0533-2771826", "0533-2775485"):
            assert any(number in ln.replace("\u2011", "-").replace("\u2060", "") for ln in lines), number


@needs_poppler
def test_a_lost_character_fails_with_a_clear_message(pdf, tmp_path):
    """Word text with one more "。" than the PDF: the check names it and where."""
    docx = tmp_path / "changed.docx"
    with zipfile.ZipFile(pdf.path.with_suffix(".docx")) as src, zipfile.ZipFile(docx, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace("便捷的服务".encode(), "便捷的服务。".encode(), 1)
            dst.writestr(info, data)
    with pytest.raises(PdfTextMismatch) as e:
        check_pdf_text(docx, pdf.path)
    assert e.value.exit_code == 3
    assert "PDF 缺少 “。”×1" in e.value.render() and "服务" in e.value.render()
    lost, added, _ = text_differences("甲乙。丙", "甲乙丙")
    assert lost == {"。": 1} and not added


def _lines(pdf_path: Path) -> list[tuple[float, float, str]]:
    """(xMin, xMax, text) of every line in the PDF (pdftotext -bbox-layout)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf_path), "-"], capture_output=True,
                         text=True, check=True).stdout
    out = []
    for line in re.findall(r"<line (.*?)</line>", xml, re.S):
        x0, x1 = (float(v) for v in re.findall(r'x(?:Min|Max)="([\d.]+)"', line)[:2])
        out.append((x0, x1, "".join(re.findall(r">([^<]*)</word>", line))))
    return out


@needs_poppler
@pytest.mark.parametrize("which", ["pdf", "demo_pdf"])
def test_28_characters_a_line_and_nothing_past_the_type_area(which, request):
    lines = _lines(request.getfixturevalue(which).path)
    widest = max(x1 for _, x1, _ in lines)
    assert widest <= RIGHT_PT + 0.5, f"a glyph ends at {widest:.1f} pt, type area at {RIGHT_PT:.1f}"
    cjk = re.compile(r"^[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”《》、]+$")
    longest = max(len(t) for _, _, t in lines if cjk.match(t))
    assert longest == 28, longest


def test_fonts_embedded_and_substitutes_named(pdf):
    info = pdf.to_dict()
    assert info["fonts_embedded"] and not info["fonts_not_embedded"]
    assert any("CJK" in f for f in info["fonts_embedded"]), info
    if not any("FangSong" in f or "仿宋" in f for f in info["fonts_embedded"]):
        assert "仿宋_GB2312" in info["substitutes"], info
        assert "仿宋_GB2312 →" in pdf.summary()


def test_missing_fonts_folder_is_bad_input(pdf, tmp_path):
    with pytest.raises(InputError, match="字体文件夹"):
        docx_to_pdf(pdf.path.with_suffix(".docx"), tmp_path / "x.pdf", fonts=tmp_path / "nope")
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "说明.txt").write_text("字体在这里", encoding="utf-8")
    with pytest.raises(InputError, match="没有字体文件") as e:
        docx_to_pdf(pdf.path.with_suffix(".docx"), tmp_path / "x.pdf", fonts=tmp_path / "empty")
    assert e.value.exit_code == 2
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_first_page_rasterises(pdf):
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf.path),
                    str(pdf.path.with_name("page"))], check=True, timeout=60)
    pngs = list(pdf.path.parent.glob("page*.png"))
    assert pngs and pngs[0].stat().st_size > 5_000


def test_only_the_pdf_is_left_behind(pdf):
    assert sorted(p.name for p in pdf.path.parent.iterdir() if not p.name.startswith("page")) == \
        ["report.docx", "report.pdf"]


def test_an_offices_fonts_folder_is_used_and_reported(pdf, tmp_path, monkeypatch):
    """A font only in the folder (matplotlib's cmr10 stands in for a licensed
    仿宋_GB2312): asked for by the Word file, embedded in the PDF, no substitute."""
    folder = folder_only_font(tmp_path)
    docx = tmp_path / "report.docx"
    with zipfile.ZipFile(pdf.path.with_suffix(".docx")) as src, zipfile.ZipFile(docx, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/styles.xml":
                data = data.replace(b"Times New Roman", b"cmr10")
            dst.writestr(info, data)
    without = docx_to_pdf(docx, tmp_path / "without.pdf", timeout=180)
    assert "cmr10" in without.substitutes
    monkeypatch.setenv("NIANBAO_FONTS", str(folder))
    conv = docx_to_pdf(docx, tmp_path / "with.pdf", timeout=180)
    assert conv.fonts_dir == folder.resolve()
    assert "cmr10" not in conv.substitutes and "仿宋_GB2312" in conv.substitutes
    assert any(f.name.lower() == "cmr10" and f.embedded for f in conv.fonts), conv.fonts
    assert conv.to_dict()["fonts_dir"] == str(folder.resolve())


def test_libreoffice_copy_adapts_only_punctuation_and_grid(pdf, tmp_path):
    from nianbao.render.pdf import libreoffice_copy
    src = pdf.path.with_suffix(".docx")
    copy = libreoffice_copy(src, tmp_path)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(copy) as b:
        assert a.namelist() == b.namelist()
        doc, styles = b.read("word/document.xml").decode(), b.read("word/styles.xml").decode()
        assert '<w:docGrid w:type="lines" w:linePitch="560"/>' in doc and "linesAndChars" not in doc
        assert '<w:overflowPunct w:val="1"/>' in styles and 'w:overflowPunct w:val="0"' not in styles
        same = [n for n in a.namelist() if n not in ("word/document.xml", "word/styles.xml")]
        assert all(a.read(n) == b.read(n) for n in same)
    assert check_pdf_text(copy, pdf.path) is None          # the same text


@needs_poppler
def test_annex_starts_a_page_with_its_label_and_title(demo_pdf):
    from nianbao.render.fidelity import pdf_pages_text
    pages = ["".join(p.split()) for p in pdf_pages_text(demo_pdf.path)]
    annex = [p for p in pages if p.startswith("附件")]
    assert len(annex) == 1, "the 附件 page starts with “附件”"
    assert annex[0].startswith("附件政府信息公开工作年度报告图表")
    body = "".join(pages[:pages.index(annex[0])])
    assert "附件：政府信息公开工作年度报告图表" in body           # 附件说明 after the body
    rest = "".join(pages[pages.index(annex[0]):])
    assert rest.index("图1政府信息公开申请办理结果") < rest.index("图2政务公开工作指标")
    assert "“行政复议、行政诉讼结果”各项数值均为0，未绘制图表。" in rest


def test_run_fonts_option_sets_the_environment_for_the_job(tmp_path, monkeypatch, capsys):
    from nianbao.cli import build_parser, main
    monkeypatch.delenv("NIANBAO_FONTS", raising=False)
    assert main(["run", str(tmp_path / "x.xlsx"), "--fonts", str(tmp_path / "没有")]) == 2
    err = capsys.readouterr().err
    assert "字体文件夹" in err and "Traceback" not in err
    assert build_parser().parse_args(["run", "x.xlsx", "--fonts", str(tmp_path)]).fonts == str(tmp_path)
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "仿宋_GB2312.ttf").write_bytes(b"")          # only its name is looked at here
    main(["run", str(tmp_path / "x.xlsx"), "--fonts", str(tmp_path / "fonts"), "-o", str(tmp_path / "out"), "-q"])
    import os
    assert os.environ["NIANBAO_FONTS"] == str((tmp_path / "fonts").resolve())


@needs_poppler
@pytest.mark.parametrize("which", ["pdf", "demo_pdf"])
def test_no_table_two_block_alone_on_a_page(which, request):
    from nianbao.render.fidelity import pdf_pages_text
    pages = ["".join(p.split()) for p in pdf_pages_text(request.getfixturevalue(which).path)]
    counts = [len(re.findall(r"第二十条第（[一二三四五六七八九十]+）项", p)) for p in pages]
    assert sum(counts) == 4, counts
    assert 1 not in counts, f"a 第二十条 block alone on a page: {counts}"


@needs_poppler
def test_the_shipped_charts_stand_whole_above_their_captions(tmp_path):
    """The demo's standard charts (table 二's three panels and the indicators
    are taller than wide): every "图N" caption on the page of its chart."""
    from nianbao import charts as nc
    from nianbao.render.fidelity import pdf_pages_text
    report, prior = reportjson.load(DEMO / "2024.json"), reportjson.load(DEMO / "2023.json")
    images = nc.save(nc.standard(report, prior), tmp_path / "charts", svg=False)
    docx = render_docx(report, prior, tmp_path / "report.docx", charts=images).path
    out = docx_to_pdf(docx, tmp_path / "report.pdf", timeout=180)
    pages = ["".join(p.split()) for p in pdf_pages_text(out.path)]
    listing = subprocess.run(["pdfimages", "-list", str(out.path)], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    on_page = [0] * len(pages)
    for line in listing:
        page, _, kind = line.split()[:3]
        on_page[int(page) - 1] += kind == "image"
    captions = [f"图{i}{''.join(chart.title.split())}" for i, chart in enumerate(images, 1)]
    assert all(sum(c in p for p in pages) == 1 for c in captions), captions
    for n, text in enumerate(pages):
        here = sum(c in text for c in captions)
        assert on_page[n] == here, f"page {n + 1}: {here} captions, {on_page[n]} charts"


@needs_poppler
def test_both_converters_keep_the_chart_images_lossless(tmp_path):
    """``PDF_EXPORT_OPTIONS`` (UseLosslessCompression) in both converters: no
    chart of the demo (line art) is re-encoded as JPEG (with LibreOffice's
    defaults 3 of its 5 were), and both make the same images."""
    from nianbao import charts as nc
    from nianbao.render import office
    from nianbao.render.pdf import PDF_EXPORT_OPTIONS, convert_to_argument

    assert PDF_EXPORT_OPTIONS["UseLosslessCompression"] is True
    assert convert_to_argument() == ('pdf:writer_pdf_Export:'
                                     '{"UseLosslessCompression":{"type":"boolean","value":"true"}}')
    report, prior = reportjson.load(DEMO / "2024.json"), reportjson.load(DEMO / "2023.json")
    images = nc.save(nc.standard(report, prior), tmp_path / "charts", svg=False)
    docx = render_docx(report, prior, tmp_path / "report.docx", charts=images).path
    converters = {"one-shot": False}
    if office.uno_python() is not None:
        converters["warm"] = True
    listings = {}
    for name, warm in converters.items():
        out = docx_to_pdf(docx, tmp_path / f"{name}.pdf", timeout=180, warm=warm)
        lines = subprocess.run(["pdfimages", "-list", str(out.path)], capture_output=True,
                               text=True, check=True).stdout.splitlines()[2:]
        rows = [line.split() for line in lines]
        charts = [row for row in rows if row[2] == "image"]
        assert len(charts) == len(images), (name, lines)
        assert all(row[8] == "image" for row in charts), f"{name}: JPEG in the PDF\n" + "\n".join(lines)
        listings[name] = [row[3:9] + row[13:] for row in rows]       # sizes, encodings, bytes
    office.shutdown()
    assert len({str(v) for v in listings.values()}) == 1, listings
