"""The annotated copy built from the workbook's zip (annotate_xml) gives what
the openpyxl path gives, keeps every part it does not change byte for byte,
and falls back to openpyxl for a package it does not handle (issue 13)."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from conftest import DEMO_2023, DEMO_2024, EXAMPLES, edited_copy

from nianbao.check import run_checks
from nianbao.check.annotate import AUTHOR, RESULT_SHEET, write_annotated, write_annotated_openpyxl
from nianbao.check.annotate_xml import write_package
from nianbao.check.xlsxparts import Unsupported
from nianbao.render.pdf import find_soffice
from nianbao.workbook import layout
from nianbao.workbook.reader import read_workbook

STAFF = "财务科"


def snapshot(path) -> dict:
    """What staff see in the copy, as openpyxl reads it: sheets, names, every
    cell's value, fill, font, border, alignment, protection, comment and link,
    widths, heights, merged ranges, validations and print setup."""
    wb = openpyxl.load_workbook(path)
    d = {"sheets": wb.sheetnames, "active": wb.active.title, "names": sorted(wb.defined_names),
         "selected": [bool(ws.sheet_view.tabSelected) for ws in wb.worksheets[1:]]}
    for ws in wb.worksheets:
        ps = ws.page_setup
        d[ws.title] = (ws.print_title_rows, ws.freeze_panes, ps.orientation, ps.fitToWidth, ps.fitToHeight,
                       ps.paperSize, ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage,
                       len(ws.data_validations.dataValidation), sorted(map(str, ws.merged_cells.ranges)),
                       {k: v.width for k, v in ws.column_dimensions.items()},
                       {k: v.height for k, v in ws.row_dimensions.items()})
        for row in ws.iter_rows():
            for c in row:
                d[ws.title, c.coordinate] = (
                    c.value, c.fill.fill_type, c.fill.fgColor.rgb, c.font.b, c.font.u,
                    c.font.color.rgb if c.font.color else None, c.border.left.style, c.border.bottom.style,
                    c.alignment.wrap_text, c.alignment.vertical, c.alignment.horizontal, c.number_format,
                    c.protection.locked, (c.comment.text, c.comment.author) if c.comment else None,
                    (c.hyperlink.location, c.hyperlink.display) if c.hyperlink else None)
    return d


def comment_boxes(path) -> list[tuple]:
    """Every comment box of the VML drawings: (row, column, style) — size and place."""
    from lxml import etree

    vml, excel = "urn:schemas-microsoft-com:vml", "urn:schemas-microsoft-com:office:excel"
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".vml"):
                for s in etree.fromstring(z.read(name)).iter(f"{{{vml}}}shape"):
                    data = s.find(f"{{{excel}}}ClientData")
                    out.append((name.count("/"), data.findtext(f"{{{excel}}}Row"),
                                data.findtext(f"{{{excel}}}Column"), s.get("style")))
    return sorted(out)


def assert_same(a, b) -> None:
    sa, sb = snapshot(a), snapshot(b)
    assert sa.keys() == sb.keys()
    diffs = [(k, sa[k], sb[k]) for k in sa if sa[k] != sb[k]]
    assert not diffs, diffs[:5]


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    """The demo with three figures wrong and a comment of the staff's own on a wrong cell."""
    out = tmp_path_factory.mktemp("annotate")
    path = edited_copy(DEMO_2024, out / "bad.xlsx", requests__new_received__commercial=12,
                       active__regulations__issued=3, appeals__review__corrected=5)
    wb = openpyxl.load_workbook(path)
    p = layout.place("requests.new_received.commercial")
    wb[p.sheet][p.coord].comment = openpyxl.comments.Comment("数字来自办公室台账", STAFF)
    wb.save(path)
    return path, run_checks(read_workbook(path), read_workbook(DEMO_2023))


def test_same_copy_as_openpyxl(bad, tmp_path):
    path, result = bad
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    write_package(path, result, fast)
    write_annotated_openpyxl(path, result, slow)
    assert_same(fast, slow)
    assert comment_boxes(fast) == comment_boxes(slow) and any("width:420px" in b[3] for b in comment_boxes(fast))
    wb = openpyxl.load_workbook(fast)
    assert wb.sheetnames[0] == RESULT_SHEET and wb.active.title == RESULT_SHEET
    p = layout.place("requests.new_received.commercial")
    comment = wb[p.sheet][p.coord].comment
    assert comment.author == AUTHOR and comment.text.startswith("数字来自办公室台账\n\n[C")
    assert wb[p.sheet][p.coord].fill.fgColor.rgb.endswith("FFC7CE")


@pytest.mark.parametrize("first", [write_package, write_annotated_openpyxl])
def test_rechecking_a_fixed_copy_same_as_openpyxl(bad, tmp_path, first):
    """Staff fix one figure in the copy (made by either path) and check again:
    our old marks go, the staff's own words stay, the old result sheet is replaced."""
    path, result = bad
    copy = tmp_path / "copy.xlsx"
    first(path, result, copy)
    wb = openpyxl.load_workbook(copy)
    p = layout.place("requests.new_received.commercial")
    wb[p.sheet][p.coord].value = 11
    wb.save(tmp_path / "fixed.xlsx")
    again = run_checks(read_workbook(tmp_path / "fixed.xlsx"), read_workbook(DEMO_2023))
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    write_package(tmp_path / "fixed.xlsx", again, fast)
    write_annotated_openpyxl(tmp_path / "fixed.xlsx", again, slow)
    assert_same(fast, slow)
    wb = openpyxl.load_workbook(fast)
    assert wb.sheetnames.count(RESULT_SHEET) == 1
    cell = wb[p.sheet][p.coord]
    assert cell.comment.text == "数字来自办公室台账" and cell.comment.author != AUTHOR
    assert cell.fill.fgColor.rgb.endswith("FFF7D6")               # the input colour again
    # checking the copy itself again (no save in between) changes nothing staff see
    write_package(copy, result, tmp_path / "twice.xlsx")
    assert_same(tmp_path / "twice.xlsx", copy)


@pytest.mark.parametrize("name", ["zibo-fao/2023.xlsx", "demo-agency/2024.xlsx"])
def test_examples_same_as_openpyxl(name, tmp_path):
    path = EXAMPLES / name
    result = run_checks(read_workbook(path))
    write_package(path, result, tmp_path / "fast.xlsx")
    write_annotated_openpyxl(path, result, tmp_path / "slow.xlsx")
    assert_same(tmp_path / "fast.xlsx", tmp_path / "slow.xlsx")


def test_parts_not_changed_are_copied_byte_for_byte(bad, tmp_path):
    """Parts openpyxl would drop (here a picture and a custom XML part) survive,
    and every sheet without marks is byte-equal."""
    path, result = bad
    src = tmp_path / "with-extras.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr("customXml/item1.xml", b"<data>\xe5\xb9\xb4\xe6\x8a\xa5</data>")
        zout.writestr("xl/media/image1.png", b"\x89PNG not really")
    before = src.read_bytes()
    out = write_annotated(src, result, tmp_path / "checks.xlsx")
    assert src.read_bytes() == before
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        old = {n: a.read(n) for n in a.namelist()}
        new = {n: b.read(n) for n in b.namelist()}
    assert new["customXml/item1.xml"] == old["customXml/item1.xml"]
    assert new["xl/media/image1.png"] == old["xl/media/image1.png"]
    marked = {layout.place(k).sheet for f in result.findings for k in f.keys}
    wb = openpyxl.load_workbook(src)
    rels = old["xl/_rels/workbook.xml.rels"].decode()
    same = 0
    for ws, sheet in zip(wb.worksheets, re.findall(r'<sheet [^>]*r:id="(rId\d+)"', old["xl/workbook.xml"].decode())):
        target = re.search(rf'Target="/?(xl/)?([^"]+)" Id="{sheet}"', rels).group(2)
        if ws.title not in marked:
            assert new["xl/" + target] == old["xl/" + target], ws.title
            same += 1
    assert same >= 4
    assert set(old) - set(new) == set()


def test_unsupported_package_falls_back_to_openpyxl(bad, tmp_path):
    """Rows without their number (allowed, rare): the zip path declines, openpyxl writes the copy."""
    path, result = bad
    src = tmp_path / "rows-without-r.xlsx"
    p = layout.place("requests.new_received.commercial")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet4.xml":       # 依申请公开: no row numbers
                data = re.sub(rb'<row r="\d+"', b"<row", data)
            zout.writestr(info, data)
    with pytest.raises(Unsupported):
        write_package(src, result, tmp_path / "never.xlsx")
    assert not (tmp_path / "never.xlsx").exists() or (tmp_path / "never.xlsx").stat().st_size == 0
    out = write_annotated(src, result, tmp_path / "checks.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == RESULT_SHEET and wb[p.sheet][p.coord].comment.author == AUTHOR


def test_first_copy_does_not_import_openpyxl(bad, tmp_path):
    """The kernel never imports openpyxl otherwise (the reader does without):
    the copy of a workbook without earlier marks must not need it (~0.08 s)."""
    path, _ = bad
    code = ("import sys\n"
            "from nianbao.check import run_checks\n"
            "from nianbao.check.annotate import write_annotated\n"
            "from nianbao.workbook.reader import read_workbook\n"
            f"write_annotated({str(path)!r}, run_checks(read_workbook({str(path)!r})), {str(tmp_path / 'c.xlsx')!r})\n"
            "print(sorted(m for m in sys.modules if m.startswith('openpyxl')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
    assert openpyxl.load_workbook(tmp_path / "c.xlsx").sheetnames[0] == RESULT_SHEET


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
def test_a_workbook_saved_by_libreoffice(bad, tmp_path):
    """Another writer's package (shared strings, relative targets, its own
    comment and VML parts): the same copy as openpyxl's, except that the zip
    path keeps what openpyxl normalises (an explicit wrapText="false") and
    the comment boxes of sheets without marks as LibreOffice drew them."""
    path, result = bad
    subprocess.run([find_soffice(), f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "lo"), str(path)],
                   check=True, capture_output=True, timeout=180)
    src = tmp_path / "lo" / path.name
    with zipfile.ZipFile(src) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
    result = run_checks(read_workbook(src), read_workbook(DEMO_2023))
    assert result.has_errors
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    write_package(src, result, fast)
    write_annotated_openpyxl(src, result, slow)

    def seen(path):
        return {k: (v[:8] + (bool(v[8]),) + v[9:] if isinstance(v, tuple) and len(v) == 15 else v)
                for k, v in snapshot(path).items()}
    a, b = seen(fast), seen(slow)
    assert a.keys() == b.keys()
    assert not [(k, a[k], b[k]) for k in a if a[k] != b[k]]
    ours = lambda p: [b for b in comment_boxes(p) if "width:420px" in b[3]]
    assert ours(fast) == ours(slow) and len(ours(fast)) >= len(result.findings)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(fast) as b:    # 文字材料's boxes, as LibreOffice drew them
        kept = [n for n in a.namelist() if n.endswith(".vml") and n in b.namelist() and a.read(n) == b.read(n)]
        assert kept and b"pt;height" in b.read(kept[0])
