"""Where commands write: relative paths, existing files, folders in the way,
and a prior workbook that is not last year's."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import DEMO_2023, DEMO_2024, ZIBO_2023


def test_run_with_relative_output_folder_and_rerun(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", "out1", "--formats", "docx,html", "-q")
    assert code == 0, out + err
    results = json.loads((tmp_path / "out1" / "results.json").read_text())
    assert (tmp_path / "out1" / "report.docx").is_file() and (tmp_path / "out1" / "signoff.eml").is_file()
    assert not (tmp_path / "out1" / "out1").exists()
    code, out, _ = cli("verify", "out1")
    assert code == 0, out
    # the clerk keeps a note beside the package; a re-run with HTML only keeps it
    (tmp_path / "out1" / "mynote.txt").write_text("我的备注", encoding="utf-8")
    code, out, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", "out1", "--formats", "html", "-q")
    assert code == 0, out
    assert (tmp_path / "out1" / "mynote.txt").read_text(encoding="utf-8") == "我的备注"
    assert not (tmp_path / "out1" / "report.docx").exists()
    assert not (tmp_path / "out1" / "signoff.eml").exists() and "未生成签发邮件" in out
    files = json.loads((tmp_path / "out1" / "results.json").read_text())["files"]
    assert "signoff_eml" not in files and "report_docx" not in files
    assert results["files"]["signoff_eml"] == "signoff.eml"


def test_run_output_folder_is_a_file(tmp_path, cli):
    f = tmp_path / "afile"
    f.write_text("x")
    code, out, err = cli("run", DEMO_2024, "-o", f, "-q")
    assert code == 2 and "不是文件夹" in out + err and "Traceback" not in err


@pytest.mark.parametrize("prior,needle", [(DEMO_2024, "2024 年，本年度是 2024 年"), (ZIBO_2023, None)])
def test_prior_must_be_last_year(cli, prior, needle):
    code, out, err = cli("check", DEMO_2024, "--prior", prior)
    if needle:
        assert code == 2 and needle in err and "2023 年的工作簿" in err
    else:   # a different agency, same year gap: allowed, but said
        assert code in (0, 1) and "上年工作簿的机关是" in err


def test_run_refuses_a_prior_of_the_wrong_year(tmp_path, cli):
    code, out, err = cli("run", DEMO_2023, "--prior", DEMO_2024, "-o", tmp_path / "o", "-q")
    assert code == 2 and "不衔接" in out + err


def test_export_never_overwrites_a_workbook(tmp_path, cli):
    victim = tmp_path / "2023.xlsx"
    shutil.copy(DEMO_2023, victim)
    before = victim.read_bytes()
    code, _, err = cli("export", DEMO_2024, "-o", victim)
    assert code == 2 and ".json" in err and victim.read_bytes() == before
    out = tmp_path / "r.json"
    out.write_text("我的笔记", encoding="utf-8")
    code, _, err = cli("export", DEMO_2024, "-o", out)
    assert code == 2 and "已存在" in err and out.read_text(encoding="utf-8") == "我的笔记"
    out.unlink()
    assert cli("export", DEMO_2024, "-o", out)[0] == 0
    assert cli("export", DEMO_2024, "-o", out)[0] == 0, "an earlier export may be replaced"


def test_check_output_never_overwrites_other_files(tmp_path, cli):
    victim = tmp_path / "victim.xlsx"
    shutil.copy(DEMO_2023, victim)
    code, _, err = cli("check", DEMO_2024, "-o", victim)
    assert code == 2 and "已存在" in err
    code, _, err = cli("check", DEMO_2024, "-o", tmp_path / "out.json")
    assert code == 2 and ".xlsx" in err
    annotated = tmp_path / "annotated.xlsx"
    assert cli("check", DEMO_2024, "--prior", DEMO_2023, "-o", annotated)[0] == 0
    assert cli("check", DEMO_2024, "--prior", DEMO_2023, "-o", annotated)[0] == 0, "an earlier annotated copy may be replaced"


@pytest.mark.parametrize("args", [("export", DEMO_2024, "-o", "{dir}"),
                                  ("new", "--prior", DEMO_2024, "-o", "{file}/x.xlsx"),
                                  ("check", DEMO_2024, "-o", "{file}/x.xlsx")])
def test_bad_output_paths_get_a_clear_message(tmp_path, cli, args):
    folder = tmp_path / "folder.json"
    folder.mkdir()
    afile = tmp_path / "afile"
    afile.write_text("x")
    argv = [str(a).replace("{dir}", str(folder)).replace("{file}", str(afile)) for a in args]
    code, out, err = cli(*argv)
    assert code == 2 and "Traceback" not in err and "内部错误" not in err
    assert "文件夹" in err or "是一个文件" in err


def test_export_does_not_replace_another_years_json(tmp_path, cli):
    other = tmp_path / "2023.json"
    shutil.copy(DEMO_2023.with_suffix(".json"), other)
    before = other.read_bytes()
    code, _, err = cli("export", DEMO_2024, "-o", other)
    assert code == 2 and "已存在" in err and other.read_bytes() == before


def test_a_bad_output_folder_is_named_as_given(tmp_path):
    """The message names the folder the user gave, not an internal probe path inside it."""
    from nianbao.errors import InputError
    from nianbao.outputs import output_dir

    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(InputError) as e:
        output_dir(afile / "F")
    assert e.value.problems[0].file == str(afile / "F"), e.value.problems[0].file
