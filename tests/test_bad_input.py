"""Every kind of bad workbook gets one clear Chinese message naming file,
sheet and cell, what was expected and how to fix it; exit code 2; no
traceback; nothing written next to the input."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from docx import Document

from conftest import DEMO_2024, edited_copy
from nianbao.workbook import layout


def _check_rejected(cli, path, *needles):
    before = set(os.listdir(path.parent))
    code, out, err = cli("export", path)
    assert code == 2, (out, err)
    assert "Traceback" not in err and out == ""
    assert str(path) in err
    for n in needles:
        assert n in err, err
    assert set(os.listdir(path.parent)) == before
    return err


def _copy_edit(tmp_path, name="w.xlsx", **cells):
    return edited_copy(DEMO_2024, tmp_path / name, **cells)


def test_old_xls(tmp_path, cli):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    _check_rejected(cli, p, "97-2003", "另存为")


def test_renamed_docx(tmp_path, cli):
    doc = Document()
    doc.add_paragraph("年度报告")
    p = tmp_path / "report.xlsx"
    doc.save(p)
    _check_rejected(cli, p, "Word 文档")


def test_empty_file(tmp_path, cli):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    _check_rejected(cli, p, "空的")


def test_random_bytes(tmp_path, cli):
    p = tmp_path / "random.xlsx"
    p.write_bytes(os.urandom(5000))
    _check_rejected(cli, p, "不是 Excel 工作簿")


def test_other_template(tmp_path, cli):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "自然人"
    p = tmp_path / "other.xlsx"
    wb.save(p)
    _check_rejected(cli, p, "不是 nianbao 标准模板", "nianbao new")


def test_other_template_version(tmp_path, cli):
    wb = openpyxl.load_workbook(DEMO_2024)
    wb[layout.SHEET_VERSION]["B1"] = "0"
    p = tmp_path / "v0.xlsx"
    wb.save(p)
    _check_rejected(cli, p, "模板版本", "_nianbao", "B1")


def test_missing_sheet(tmp_path, cli):
    wb = openpyxl.load_workbook(DEMO_2024)
    del wb[layout.SHEET_APPEALS]
    p = tmp_path / "missing.xlsx"
    wb.save(p)
    _check_rejected(cli, p, "缺少工作表“复议诉讼”")


def test_renamed_sheet(tmp_path, cli):
    wb = openpyxl.load_workbook(DEMO_2024)
    wb[layout.SHEET_REQUESTS].title = "Sheet3"
    p = tmp_path / "renamed.xlsx"
    wb.save(p)
    _check_rejected(cli, p, "缺少工作表“依申请公开”", "Sheet3", "改回")


def test_moved_table(tmp_path, cli):
    wb = openpyxl.load_workbook(DEMO_2024)
    wb[layout.SHEET_REQUESTS].insert_rows(2)      # table shifts, its names do not
    p = tmp_path / "moved.xlsx"
    wb.save(p)
    _check_rejected(cli, p, "表格位置被移动", "依申请公开", "A4")


@pytest.mark.parametrize("value,needle", [("若干", "“若干”不是一个数"), (-3, "负数"), (2.5, "小数")])
def test_bad_count_cell(tmp_path, cli, value, needle):
    p = _copy_edit(tmp_path, requests__new_received__natural_person=value)
    _check_rejected(cli, p, needle, "依申请公开", "D4", "整数")


def test_money_in_yuan(tmp_path, cli):
    p = _copy_edit(tmp_path, active__fees_wan_yuan="29500元")
    _check_rejected(cli, p, "主动公开", "B14", "万元")


def test_formula_without_cached_value(tmp_path, cli):
    p = _copy_edit(tmp_path, requests__new_received__commercial="=5+6")
    _check_rejected(cli, p, "公式", "没有计算结果", "E4", "保存一次")


def test_all_problems_are_listed_at_once(tmp_path, cli):
    p = _copy_edit(tmp_path, requests__new_received__commercial="很多", appeals__review__total=-1)
    err = _check_rejected(cli, p, "E4", "复议诉讼")
    assert err.count("错误代码") == 2


def test_xlsm_with_macros(tmp_path, cli):
    p = tmp_path / "macro.xlsm"
    with zipfile.ZipFile(DEMO_2024) as src, zipfile.ZipFile(p, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\0" * 100)
    _check_rejected(cli, p, "宏")


def test_password_protected(tmp_path, cli):
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    p = tmp_path / "locked.xlsx"
    with open(DEMO_2024, "rb") as plain, open(p, "wb") as out:
        OOXMLFile(plain).encrypt("secret", out)
    _check_rejected(cli, p, "密码")


def test_zip_bomb(tmp_path, cli):
    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (210 * 1024 * 1024))
    _check_rejected(cli, p, "过大")


def test_missing_file(tmp_path, cli):
    _check_rejected(cli, tmp_path / "nope.xlsx", "找不到")


def test_cli_prints_no_traceback_as_a_process(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"not a workbook")
    proc = subprocess.run([sys.executable, "-m", "nianbao", "export", str(p)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "不是 Excel 工作簿" in proc.stderr


def test_usage_error_exit_2(cli):
    code, out, err = cli("export")
    assert code == 2 and "缺少必需的参数" in err


def test_huge_file(tmp_path, cli):
    p = tmp_path / "huge.xlsx"
    with open(p, "wb") as fh:                 # sparse: large on paper, cheap on disk
        fh.truncate(60 * 1024 * 1024)
    _check_rejected(cli, p, "太大")


def test_folder_instead_of_file(tmp_path, cli):
    d = tmp_path / "folder.xlsx"
    d.mkdir()
    _check_rejected(cli, d, "文件夹")


def test_run_on_a_report_json_says_to_import_it_first(tmp_path, cli):
    from conftest import ROOT

    src = ROOT / "examples" / "demo-agency" / "2024.json"
    code, out, err = cli("run", src, "-o", tmp_path / "out")
    assert code == 2, (out, err)
    assert "Traceback" not in err and "openpyxl" not in out + err
    assert "需要标准工作簿" in out + err and "nianbao import 2024.json -o 2024.xlsx" in out + err


def test_a_notebook_saved_without_kernel_metadata_runs_in_python(tmp_path, cli):
    import nbformat

    from conftest import DEMO_2023

    nb = nbformat.v4.new_notebook()            # no kernelspec, no language_info
    nb.cells = [nbformat.v4.new_code_cell("print(1 + 1)")]
    path = tmp_path / "空白笔记本.ipynb"
    nbformat.write(nb, path)
    code, out, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "--notebook", path, "-o", tmp_path / "out",
                         "--formats", "docx")
    assert code == 3, (out, err)                # it ran, and made no report: said so in Chinese
    assert "No language found" not in out + err and "Traceback" not in err
    assert "没有生成报告" in out + err


@pytest.mark.parametrize("text,needle", [('{"a": 1,}', "英文双引号"), ('{"a" 1}', "缺少英文冒号"),
                                         ('{"a": "x\\qy"}', "反斜杠"), ('{"a": 1} 2', "多余的内容")])
def test_a_json_syntax_error_is_explained_in_chinese(tmp_path, cli, text, needle):
    bad = tmp_path / "报告.json"
    bad.write_text(text, encoding="utf-8")
    code, out, err = cli("check", bad)
    assert code == 2 and needle in err and "第 1 行" in err
    assert not re.search(r"Expecting|delimiter|Extra data|escape", err), err


def test_a_year_in_chinese_numerals_gets_one_message(tmp_path, cli):
    """二〇二四 in 报告年度: "should be a four-digit year", not also "please fill in"."""
    from nianbao.workbook import layout

    place = layout.place("meta.year")
    wb = openpyxl.load_workbook(DEMO_2024)
    wb[place.sheet][place.coord] = "二〇二四"
    wb.save(tmp_path / "year.xlsx")
    code, out, err = cli("check", tmp_path / "year.xlsx")
    assert code == 2 and "应为四位年份" in err and "请填写“报告年度”" not in err


def test_an_ods_spreadsheet_and_a_lock_file_are_named_as_such(tmp_path, cli):
    ods = tmp_path / "报告.xlsx"                                  # saved by WPS/LibreOffice in their format
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    code, out, err = cli("check", ods)
    assert code == 2 and "OpenDocument 表格" in err and "另存为" in err
    lock = tmp_path / "~$报告.xlsx"
    lock.write_bytes(b"\x0bWPS lock")
    code, out, err = cli("run", lock, "-o", tmp_path / "out")
    assert code == 2 and "临时锁定文件" in out + err and "报告.xlsx" in out + err


def test_an_unknown_option_is_said_with_the_commands_own_usage(cli):
    code, out, err = cli("run", "x.xlsx", "--pdf")
    assert code == 2 and "nianbao run：错误：不认识的参数：--pdf" in err and "用法：nianbao run" in err
