"""No collisions, no injection, no overwritten user files: default folders
per agency-year, ``-o`` into another package, duplicate batch inputs, CSV
formula escaping, e-mail header injection, ``template -o`` onto a filled
workbook, a workbook whose file name is not UTF-8."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import DEMO_2023, DEMO_2024, ZIBO_2023, edited_copy
from nianbao.workbook import layout


def test_two_agencies_without_o_get_two_folders(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    market = shutil.copy(DEMO_2024, tmp_path / "市场监管局.xlsx")
    school = edited_copy(DEMO_2024, tmp_path / "教育局.xlsx", meta__agency="示例市教育局")
    for wb in (market, school):
        code, out, err = cli("run", wb, "--prior", DEMO_2023, "--formats", "html", "-q")
        assert code == 0, out + err
    folders = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert folders == ["示例市市场监督管理局-2024", "示例市教育局-2024"]
    for name, agency in zip(folders, ("示例市市场监督管理局", "示例市教育局")):
        assert json.loads((tmp_path / "out" / name / "results.json").read_text(encoding="utf-8"))["agency"] == agency


def test_folder_names_are_legal_on_windows():
    from nianbao.job import default_outdir, folder_safe

    assert folder_safe('市<局>:"/\\|?*\n') == "市-局"
    assert folder_safe("CON") == "report" and folder_safe("  . ") == "report"
    assert default_outdir(Path("x.xlsx"), 2024, "某市/某局").name == "某市-某局-2024"


def test_o_into_another_agencys_package_refuses_without_force(tmp_path, cli):
    out = tmp_path / "F"
    code, stdout, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "-q")
    assert code == 0, stdout + err
    before = (out / "manifest.json").resolve()
    other = edited_copy(DEMO_2024, tmp_path / "other.xlsx", meta__agency="示例市教育局")
    code, stdout, err = cli("run", other, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "-q")
    assert code == 2 and "示例市市场监督管理局 2024 年度" in stdout + err and "--force" in stdout + err
    assert (out / "manifest.json").resolve() == before and cli("verify", out)[0] == 0
    code, stdout, err = cli("run", other, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "-q", "--force")
    assert code == 0, stdout + err
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["agency"] == "示例市教育局"


def test_batch_refuses_two_inputs_of_one_agency_year(tmp_path, cli):
    draft = shutil.copy(DEMO_2024, tmp_path / "draft.xlsx")
    revised = shutil.copy(DEMO_2024, tmp_path / "revised.xlsx")
    code, stdout, err = cli("batch", draft, revised, ZIBO_2023, "-o", tmp_path / "out", "--formats", "html")
    assert code == 2
    assert str(draft) in err and str(revised) in err and "示例市市场监督管理局 2024" in err
    assert not any(p.is_dir() for p in (tmp_path / "out").iterdir()), "no job started"


def test_csv_escapes_formula_like_text_and_keeps_numbers():
    import pandas as pd

    from nianbao.csvout import csv_text

    frame = pd.DataFrame([["=cmd|'/C calc'!A0", "+1+2", "-x", "@SUM(A1)", "\tx", "\rx", -5, 70, 3.5, None, "普通"]],
                         columns=list("abcdefghijk"))
    text = csv_text(frame)
    assert text.startswith("\ufeff")
    row = list(csv.reader(io.StringIO(text[1:])))[1]
    assert all(c.startswith("'") for c in row[:6]), row
    assert row[6:] == ["-5", "70", "3.5", "", "普通"]


def test_status_csv_of_a_batch_is_escaped(tmp_path, cli):
    evil = edited_copy(DEMO_2024, tmp_path / "evil.xlsx", meta__agency="@SUM(1+1)*cmd|' /C calc'!A0")
    out = tmp_path / "out"
    code, stdout, err = cli("batch", evil, "-o", out, "--formats", "html")
    with open(out / "status.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["机关"].startswith("'@SUM"), rows[0]


@pytest.mark.parametrize("typed", ["leader@example.gov.cn\nBcc: spy@else.cn", "leader@example.gov.cn\nspy@else.cn"])
def test_signoff_address_with_a_line_break_is_refused(tmp_path, cli, typed):
    bad = edited_copy(DEMO_2024, tmp_path / "bad.xlsx", meta__signoff_to=typed)
    out = tmp_path / "out"
    code, stdout, err = cli("run", bad, "--prior", DEMO_2023, "-o", out, "-q")
    place = layout.place("meta.signoff_to")
    assert code == 2, stdout + err
    assert "签发人邮箱" in stdout + err and place.coord in stdout + err and place.sheet in stdout + err
    assert "换行" in stdout + err
    assert not (out / "current").exists() and not (out / "signoff.eml").exists()


def test_bad_addresses_are_refused_before_anything_is_written(tmp_path, cli):
    from nianbao.signoff.addresses import is_address

    assert is_address("leader@example.gov.cn")
    for bad in ("not-an-address", "a@b.cn\r\nBcc: c@d.cn", "a@b.cn, c@d.cn", "Leader <a@b.cn>", "a@b", "@b.cn"):
        assert not is_address(bad), bad
    code, stdout, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", tmp_path / "o", "-q",
                            "--mail-to", "not-an-address")
    assert code == 2 and "--mail-to" in stdout + err and not (tmp_path / "o" / "current").exists()
    code, stdout, err = cli("mail", tmp_path / "o", "--to", "not-an-address")
    assert code == 2 and "--to" in err and "不是有效的电子邮箱地址" in err


def test_template_o_never_replaces_a_filled_workbook(tmp_path, cli):
    filled = shutil.copy(DEMO_2024, tmp_path / "filled.xlsx")
    before = Path(filled).read_bytes()
    code, out, err = cli("template", "-o", filled)
    assert code == 2 and "--force" in err
    assert Path(filled).read_bytes() == before
    blank = tmp_path / "blank.xlsx"
    assert cli("template", "-o", blank)[0] == 0
    assert cli("template", "-o", blank)[0] == 0, "a blank template may be regenerated"
    assert cli("template", "-o", filled, "--force")[0] == 0


@pytest.mark.skipif(os.name != "posix", reason="file names as raw bytes are a POSIX matter")
def test_workbook_name_that_is_not_utf8_is_refused_cleanly(tmp_path, cli):
    name = os.fsdecode(b"\xb2\xe2\xca\xd4-gbk.xlsx")           # "测试" in GBK
    wb = tmp_path / name
    shutil.copy(DEMO_2024, wb)
    out = tmp_path / "out"
    code, stdout, err = cli("run", wb, "--prior", DEMO_2023, "-o", out, "-q")
    assert code == 2, stdout + err
    assert "不是 UTF-8" in stdout + err and "Traceback" not in err
    assert not out.exists(), "no partial outputs"
    code, stdout, err = cli("batch", wb, "-o", tmp_path / "batch", "--formats", "html")
    assert code == 2 and "不是 UTF-8" in err
    assert not any((tmp_path / "batch").iterdir()), "no job started"


def test_another_agencys_package_published_while_waiting_for_the_lock_is_not_replaced(tmp_path, monkeypatch):
    """Two runs of different agencies into one new folder: the second passes
    the "another agency's package" check (the folder is still empty), waits
    for the lock while the first publishes, and must then refuse instead of
    silently replacing the first agency's package."""
    from contextlib import contextmanager

    from nianbao import job, publish

    out = tmp_path / "F"
    real_lock = job.folder_lock

    @contextmanager
    def lock_after_another_run(folder, wait=None):
        staging = publish.begin(folder)          # what the other run published while we waited
        (staging / "results.json").write_text(json.dumps({"nianbao": "x", "agency": "示例市教育局", "year": 2024}),
                                              encoding="utf-8")
        publish.publish(folder, staging)
        with real_lock(folder, wait):
            yield

    monkeypatch.setattr(job, "folder_lock", lock_after_another_run)
    result = job.run_job(DEMO_2024, prior=DEMO_2023, output_dir=out, formats=["html"], progress=False)
    assert result.status == "bad-input" and result.exit_code == 2, result.render()
    assert "示例市教育局 2024 年度" in result.render() and "--force" in result.render()
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["agency"] == "示例市教育局"


def test_batch_never_replaces_a_users_status_csv_or_board(tmp_path, cli):
    """status.csv and board.html in the batch folder: the batch's own are
    replaced on a re-run; a user's file of that name only with --force."""
    out = tmp_path / "R"
    out.mkdir()
    mine = out / "status.csv"
    mine.write_text("我自己的表\n", encoding="utf-8")
    code, stdout, err = cli("batch", DEMO_2024, "-o", out, "--formats", "html", "--workers", "1")
    assert code == 2 and "status.csv" in err and "--force" in err
    assert mine.read_text(encoding="utf-8") == "我自己的表\n" and not list(out.glob("*-2024"))
    code, stdout, err = cli("batch", DEMO_2024, "-o", out, "--formats", "html", "--workers", "1", "--force")
    assert code == 1, stdout + err                    # ran (the demo alone, without its prior: one G5 error)
    assert mine.read_text(encoding="utf-8-sig").startswith("机关,年度,状态")
    code, stdout, err = cli("batch", DEMO_2024, "-o", out, "--formats", "html", "--workers", "1")
    assert code == 1, stdout + err                    # its own tables are simply replaced
    (out / "board.html").write_text("<p>我的看板</p>", encoding="utf-8")
    code, _, err = cli("board", out)
    assert code == 2 and "board.html" in err
    assert cli("board", out, "--force")[0] == 0
