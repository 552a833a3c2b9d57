"""The broken shapes published tables arrive in, and bad sources."""
from __future__ import annotations

from conftest import SHARED

import json
import os
from pathlib import Path

import pytest

from nianbao.errors import InputError
from nianbao.importer import UncertainImport, import_report
from nianbao.reportjson import to_dict
from nianbao.values import NotApplicable

PUB = (SHARED / "samples/published")
SEED = (SHARED / "samples/seed/zibo-fao-2023.txt")
H24 = (PUB / "hongze_district_gov_2024" / "source.txt").read_text("utf-8")
H24_EXPECTED = json.loads((PUB / "hongze_district_gov_2024" / "expected.json").read_text("utf-8"))


def _write(tmp_path: Path, text: str, name: str = "r.txt") -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


def test_traditional_characters(tmp_path):
    from opencc import OpenCC
    text = OpenCC("s2t").convert(SEED.read_text("utf-8"))
    assert "國" in text or "淄博市人民政府外事辦公室" in text
    r = import_report(_write(tmp_path, text))
    expected = json.loads(SEED.with_name("zibo-fao-2023.expected.json").read_text("utf-8"))
    assert to_dict(r.report, extras=False) == expected
    assert any("繁体" in w for w in r.warnings)


def test_full_width_digits_and_spaced_labels(tmp_path):
    fw = str.maketrans("0123456789", "０１２３４５６７８９")
    lines = []
    for ln in H24.splitlines():
        if ln.startswith(("一、本年新收", "行政许可", "（七）总计")):
            head, _, nums = ln.partition(" ")
            ln = " ".join(head) + " " + nums.translate(fw)
        lines.append(ln)
    r = import_report(_write(tmp_path, "\n".join(lines)))
    assert to_dict(r.report, extras=False) == H24_EXPECTED


def test_not_applicable_marks_kept(tmp_path):
    text = H24.replace("规章 0 0 0", "规章 / - —")
    r = import_report(_write(tmp_path, text))
    vals = [r.report.values[f"active.regulations.{k}"] for k in ("issued", "repealed", "in_force")]
    assert all(isinstance(v, NotApplicable) for v in vals)
    assert to_dict(r.report, extras=False)["active"]["regulations"] == {"issued": "/", "repealed": "-", "in_force": "—"}


def test_table_two_blocks_out_of_order(tmp_path):
    lines = H24.splitlines()
    start = lines.index("第二十条第（八）项")
    block = lines[start:start + 3]
    del lines[start:start + 3]
    at = lines.index("第二十条第（一）项")
    lines[at:at] = block
    r = import_report(_write(tmp_path, "\n".join(lines)))
    assert to_dict(r.report, extras=False) == H24_EXPECTED


def test_heading_variant(tmp_path):
    text = H24.replace("五、存在的主要问题及改进情况", "五、存在的主要问题及整改措施")
    r = import_report(_write(tmp_path, text))
    assert r.report.meta["headings"][4] == "五、存在的主要问题及整改措施"
    assert r.report.narrative["problems"].text


def test_run_together_cells_decoded_by_the_row_sum(tmp_path):
    """A unique reading is imported (certain) and the summary names the decoded row."""
    text = H24.replace("（一）予以公开 50 0 0 0 0 0 50", "（一）予以公开 500000050")
    r = import_report(_write(tmp_path, text))
    assert not r.uncertain
    assert to_dict(r.report, extras=False) == H24_EXPECTED
    assert len(r.decoded) == 1 and "（一）予以公开" in r.decoded[0] and "50、0、0、0、0、0、50" in r.decoded[0]
    assert "本行合计" in r.decoded[0]
    assert "连在一起的数字已按表格的勾稽关系拆分" in r.render_summary()


def test_run_together_cells_refused_when_no_reading_fits(tmp_path):
    text = H24.replace("（一）予以公开 50 0 0 0 0 0 50", "（一）予以公开 50 0 9")
    r = import_report(_write(tmp_path, text), accept_uncertain=True)
    assert r.uncertain
    assert r.report.values["requests.disclosed.total"] is None
    assert any("未导入" in w and "予以公开" in w for w in r.warnings)


def test_unplaceable_figures_are_reported(tmp_path):
    text = H24.replace("（一）予以公开 50 0 0 0 0 0 50", "50 0 0 0 0 0 50")
    r = import_report(_write(tmp_path, text), accept_uncertain=True)
    assert r.uncertain
    assert r.report.values["requests.disclosed.total"] is None
    assert any("找不到所属的行" in w for w in r.warnings)


@pytest.mark.parametrize("name,data,code", [
    ("empty.txt", b"", "import-empty"),
    ("blank.txt", b"  \n\n \t\n", "import-empty"),
    ("garbage.txt", bytes(range(256)) * 8 + os.urandom(512), "import-binary"),
    ("garbage.pdf", os.urandom(2048), "import-pdf"),
    ("garbage.docx", os.urandom(2048), "import-docx"),
    ("notables.txt", "淄博市外办2023年政府信息公开工作年度报告\n一、总体情况\n全年工作平稳。\n".encode(), "import-no-tables"),
    ("report.doc", b"x", "import-type"),
])
def test_bad_sources_give_a_clear_chinese_error(tmp_path, name, data, code):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError) as e:
        import_report(p)
    err = e.value
    assert err.exit_code == 2
    assert err.problems[0].code == code
    assert str(p) in err.render()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.problems[0].message)


def test_html_ignores_scripts_and_remote_content(tmp_path):
    html = ("<html><head><script>var a='一、总体情况'</script></head><body>"
            "<iframe src='http://example.invalid/'></iframe><p>某局2023年政府信息公开工作年度报告</p>"
            "<script>alert(1)</script><p>一、总体情况</p><p>=cmd|' /C calc'!A0</p></body></html>")
    p = _write(tmp_path, html, "x.html")
    with pytest.raises(InputError) as e:
        import_report(p)
    assert e.value.problems[0].code == "import-no-tables"


def test_utf16_text_from_notepad(tmp_path):
    import codecs

    from nianbao.importer import import_report

    seed = SEED.read_text(encoding="utf-8")
    p = tmp_path / "utf16.txt"
    p.write_bytes(codecs.BOM_UTF16_LE + seed.encode("utf-16-le"))
    assert import_report(p).report.get("requests.new_received.total") == 2


def test_narrative_with_figures_inside_a_table_section_is_not_cut_into_cells(tmp_path):
    text = H24.replace("三、收到和处理政府信息公开申请情况\n",
                       "三、收到和处理政府信息公开申请情况\n2024年本机关共收到申请12件（含网上申请3件），办结11件。\n", 1)
    assert "2024年本机关" in text
    r = import_report(_write(tmp_path, text))
    assert not r.uncertain, r.reasons
    assert to_dict(r.report, extras=False) == H24_EXPECTED and not r.decoded
