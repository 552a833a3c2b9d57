"""Guards before parsing: size limits, files that are not what their
extension says, no English text or library log lines for staff, and import
time that grows linearly with the source."""
from __future__ import annotations

from conftest import SHARED

import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from nianbao.errors import InputError
from nianbao.importer import SIZE_LIMITS, import_report

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "examples" / "zibo-fao" / "2023.xlsx"
H24 = (SHARED / "samples/published/hongze_district_gov_2024/source.txt")

#: Latin words allowed in a message for staff (file kinds, units, our own command).
_ALLOWED = {"PDF", "Word", "Excel", "docx", "xlsx", "doc", "xls", "pptx", "PowerPoint", "HTML", "JSON",
            "KB", "MB", "WPS", "LibreOffice", "OpenDocument", "RTF", "PNG", "JPEG", "GIF", "TIFF", "WebP",
            "zip", "rar", "gz", "OFD", "UTF", "GB", "GBK", "txt", "html", "htm", "json", "pdf",
            "nianbao", "check", "accept", "uncertain", "import"}


def _no_english(text: str) -> None:
    words = set(re.findall(r"[A-Za-z]{3,}", text))
    assert words <= _ALLOWED, f"English in a message for staff: {sorted(words - _ALLOWED)}\n{text}"


def _messages(err: InputError) -> str:
    return "\n".join(f"{p.message}\n{p.expected or ''}\n{p.fix or ''}" for p in err.problems)


def _refused(path: Path) -> InputError:
    with pytest.raises(InputError) as e:
        import_report(path)
    assert e.value.exit_code == 2
    _no_english(_messages(e.value))
    return e.value


@pytest.mark.parametrize("suffix,code", [(".pdf", "import-pdf"), (".docx", "import-docx"), (".txt", "import-binary")])
def test_workbook_renamed_says_what_it_really_is(tmp_path, capfd, suffix, code):
    p = tmp_path / f"fake{suffix}"
    shutil.copy(WORKBOOK, p)
    err = _refused(p)
    assert err.problems[0].code == code
    assert "这个文件其实是 Excel 工作簿" in err.problems[0].message
    out, errout = capfd.readouterr()
    assert out == "" and errout == ""


def test_damaged_pdf_no_library_log_lines_or_exception_names(tmp_path, capfd, caplog):
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    err = _refused(p)
    assert err.problems[0].code == "import-pdf"
    text = err.render()
    assert "Error" not in text and "EOF" not in text
    out, errout = capfd.readouterr()
    assert "EOF marker" not in out + errout and "invalid pdf header" not in out + errout
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


def test_library_loggers_work_again_after_import(tmp_path, caplog):
    import logging
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\ngarbage")
    with pytest.raises(InputError):
        import_report(p)
    logging.getLogger("pypdf._reader").warning("after")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == ["after"]


def test_damaged_docx_no_exception_name(tmp_path):
    p = tmp_path / "broken.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("word/document.xml", "<not xml")
    err = _refused(p)
    assert err.problems[0].code == "import-docx"
    assert "ValueError" not in err.render() and "KeyError" not in err.render()


def test_plain_zip_and_picture(tmp_path):
    z = tmp_path / "archive.docx"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("报告.txt", "x")
    assert "压缩包" in _refused(z).problems[0].message
    png = tmp_path / "scan.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert "图片" in _refused(png).problems[0].message
    real_pdf_as_txt = tmp_path / "report.txt"
    real_pdf_as_txt.write_bytes(b"%PDF-1.7\n" + bytes(100))
    assert "PDF 文件" in _refused(real_pdf_as_txt).problems[0].message


def test_html_parse_error_is_chinese(tmp_path):
    p = tmp_path / "x.html"
    p.write_bytes(b"\xef\xbb\xbf   ")
    _refused(p)


@pytest.mark.parametrize("name,kind", [("big.txt", "txt"), ("big.html", "html"), ("big.docx", "docx"),
                                       ("big.pdf", "pdf"), ("big.json", "json")])
def test_too_large_refused_before_parsing(tmp_path, name, kind):
    p = tmp_path / name
    with open(p, "wb") as f:            # sparse: no time spent writing
        f.truncate(SIZE_LIMITS[kind] + 1)
    err = _refused(p)
    prob = err.problems[0]
    assert prob.code == "import-too-large"          # by its size, before any parser saw it (no timing: see benchmarks)
    assert str(p) in err.render()
    limit_mb = SIZE_LIMITS[kind] // (1024 * 1024)
    assert f"{limit_mb}.0 MB" in prob.message          # the file's size and the limit
    assert "上限" in prob.message


def test_limits_are_generous_for_real_reports():
    assert SIZE_LIMITS["txt"] >= 1024 * 1024 and SIZE_LIMITS["pdf"] >= 20 * 1024 * 1024


def _padded(where: str, target: int = 300_000) -> str:
    """A real report with narrative repeated until the text is ``target`` bytes."""
    lines = H24.read_text("utf-8").splitlines()
    para = lines[9:16]                 # a narrative paragraph of section 一
    at = lines.index(where) + 1
    lines[at:at] = para * (target // len("".join(para).encode()))
    return "\n".join(lines)


@pytest.mark.parametrize("where", ["一、总体情况", "三、收到和处理政府信息公开申请情况"])
def test_300_kb_text_imports_in_linear_time(tmp_path, where):
    """Nothing is quadratic: 300 KB of text (narrative, also inside a table region)
    takes about 3x as long as 100 KB, not 9x. A ratio of two timings taken in the
    same run (best of three each), so a loaded machine does not fail it."""
    import_report(H24)                 # warm up imports

    def best(target: int) -> float:
        p = tmp_path / f"big-{target}.txt"
        p.write_text(_padded(where, target), "utf-8")
        times = []
        for _ in range(3):
            t = time.perf_counter()
            try:
                import_report(p, accept_uncertain=True)
            except InputError:
                pass
            times.append(time.perf_counter() - t)
        return min(times)

    small, big = best(100_000), best(300_000)
    assert big / small < 6, f"100 KB {small:.2f} s, 300 KB {big:.2f} s"
