"""The shipped notebook as analysts meet it: parameters with types and Chinese
help, an editable copy that runs from any folder, typed --param, a record of
what ran, a self-contained notebook.html, and compare.csv for Excel."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from conftest import DEMO_2023, DEMO_2024
from nianbao import __version__
from nianbao.fsutil import sha256_file
from nianbao.job import NOTEBOOK, _kernel_name
from nianbao.nbparams import RUNNER_PARAMS, typed_params

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def shipped_run(tmp_path_factory):
    from nianbao.cli import main

    out = tmp_path_factory.mktemp("nb") / "out"
    code = main(["run", str(DEMO_2024), "--prior", str(DEMO_2023), "-o", str(out), "--formats", "html", "-q"])
    return code, out


def test_help_notebook_lists_every_parameter_with_type_and_chinese_help():
    params = pm.inspect_notebook(str(NOTEBOOK))
    assert set(params) == set(RUNNER_PARAMS)
    for name, p in params.items():
        assert p["inferred_type_name"] not in (None, "None"), name
        assert CJK.search(p["help"] or ""), name
    papermill = Path(sys.executable).with_name("papermill")
    shown = subprocess.run([str(papermill), "--help-notebook", str(NOTEBOOK)], capture_output=True,
                           text=True, encoding="utf-8", timeout=120).stdout
    for name, p in params.items():
        assert re.search(rf"{name}: {p['inferred_type_name']}", shown), name
        assert p["help"] in shown.replace("\n", "").replace(" ", "") or p["help"][:10] in shown, name


def test_shipped_run_records_what_ran(shipped_run):
    code, out = shipped_run
    assert code == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    record = results["notebook"]
    assert record["shipped"] is True and record["kind"] == "随附笔记本"
    assert record["sha256"] == sha256_file(NOTEBOOK)
    assert record["inputs"]["workbook_sha256"] == sha256_file(DEMO_2024)
    assert record["inputs"]["prior_sha256"] == sha256_file(DEMO_2023)
    executed = (out / "notebook.ipynb").read_text(encoding="utf-8")
    for needle in (sha256_file(DEMO_2024)[:16], sha256_file(DEMO_2023)[:16], sha256_file(NOTEBOOK)[:16],
                   __version__):
        assert needle in executed, needle


def test_notebook_html_is_self_contained_and_readable(shipped_run):
    _, out = shipped_run
    html = (out / "notebook.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html), "no external script"
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", html), "no external stylesheet"
    assert not re.search(r"url\(\s*[\"']?(https?:)?//|@import", html), "no external font or import"
    assert '<html lang="zh">' in html and "Noto Sans CJK SC" in html and "Microsoft YaHei" in html
    assert "data:image/png;base64" in html                                       # charts inline
    assert 'alt="图表"' in html and "No description" not in html                  # a Chinese text alternative
    # keyboard users reach every output (a wide table scrolls once focused), as with nbconvert's own pass
    outputs = re.findall(r'<div class="[^"]*\bjp-OutputArea-output\b[^"]*"[^>]*>', html)
    assert outputs and all('tabindex="0"' in tag for tag in outputs)
    assert "2103" in html and not re.search(r"\b2103\.0", html)                 # counts as integers
    assert not re.search(r"\d\.000000", html)
    assert "{'" not in html and "AnnualJob(" not in html                         # no raw dicts, no code
    assert "三、本年度办理结果" in html and "（三）不予公开" in html and "1.属于国家秘密" in html
    # no 0, 1, 2 … index column in the findings, comparison and output tables
    assert not re.search(r'<th[^>]*>\s*0\s*</th>', html)


def test_compare_csv_opens_in_excel(shipped_run, tmp_path):
    _, out = shipped_run
    raw = (out / "compare.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "指标,单位,本年,上年,变化,说法"
    assert lines[1] == "新收申请总数,件,70,57,13,比上年增加13件"
    assert any(line.startswith("行政事业性收费金额,万元,2.95,3.62,-0.67,") for line in lines)
    from nianbao.compare import COLUMNS
    from nianbao.csvout import csv_text

    df = pd.DataFrame([["=HYPERLINK(\"http://x\")", "件", 1, None, None, ""]], columns=COLUMNS, dtype=object)
    row = csv_text(df).removeprefix("\ufeff").splitlines()[1]
    assert not row.startswith("=") and "HYPERLINK" in row and row.endswith(",件,1,,,")


def test_editable_copy_runs_from_any_folder(tmp_path, cli):
    target = tmp_path / "somewhere" / "我的笔记本.ipynb"
    target.parent.mkdir()
    code, stdout, _ = cli("notebook", "-o", target)
    assert code == 0 and target.is_file()
    params = pm.inspect_notebook(str(target))
    assert Path(json.loads(params["workbook"]["default"])).resolve() == DEMO_2024.resolve()
    assert Path(json.loads(params["prior_workbook"]["default"])).resolve() == DEMO_2023.resolve()
    before = target.read_bytes()
    code, _, err = cli("notebook", "-o", target)
    assert code == 2 and "已存在" in err and target.read_bytes() == before
    # "run all" as JupyterLab does it: the kernel starts in the notebook's folder
    pm.execute_notebook(str(target), str(tmp_path / "executed.ipynb"), parameters={"formats": ["html"]},
                        kernel_name=_kernel_name(), cwd=str(target.parent), progress_bar=False)
    assert (target.parent / "out" / "report.html").is_file()
    assert cli("notebook", "-o", target, "--force")[0] == 0


def _with_parameter(tmp_path: Path) -> Path:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += "\ndeadline_days: int = 15  # 本省规定的办理期限（工作日）"
    i = next(i for i, c in enumerate(nb.cells) if c.metadata.get("papermill_description") == "生成报告")
    nb.cells.insert(i, nbformat.v4.new_code_cell("assert isinstance(deadline_days, int) and deadline_days == 20"))
    path = tmp_path / "param.ipynb"
    nbformat.write(nb, path)
    return path


def test_param_is_typed_by_the_parameters_cell(tmp_path, cli):
    nb = _with_parameter(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "-q", "--formats", "html",
                            "--notebook", nb, "--param", "deadline_days=20")
    assert code == 0, stdout + err
    executed = nbformat.read(out / "notebook.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "deadline_days = 20\n" in injected.source + "\n"


@pytest.mark.parametrize("given, says", [
    (["--param", "deadline=20"], "没有参数“deadline”"),
    (["--param", "deadline_days=二十"], "不是整数"),
    (["--param", "output_dir=/tmp/x"], "由 nianbao run 自己设置"),
    (["--param", "workbook=x.xlsx"], "处理：把工作簿写在 nianbao run 后面"),
    (["--param", "deadline_days"], "写法不对"),
])
def test_bad_param_is_bad_input(tmp_path, cli, given, says):
    nb = _with_parameter(tmp_path)
    code, stdout, err = cli("run", DEMO_2024, "-o", tmp_path / "out", "-q", "--notebook", nb, *given)
    assert code == 2 and says in stdout + err
    assert "Traceback" not in stdout + err


def test_typed_params_in_python():
    assert typed_params(NOTEBOOK, {}) == {}
    with pytest.raises(Exception, match="没有参数"):
        typed_params(NOTEBOOK, {"nope": "1"})


def test_table_two_keeps_decision_counts_out_of_the_fee_column(tmp_path):
    """Blocks 五/六 (本年处理决定数量, 件) and 八 (本年收费金额, 万元) share the
    column key "value": the notebook's 表二 must not print 2103 件 of 行政许可
    under 本年收费金额（单位：万元）."""
    from nianbao.steps import AnnualJob

    job = AnnualJob(str(DEMO_2024), "", str(tmp_path), ["html"])
    job.read()
    df = job.table("active").data
    fee = "本年收费金额（单位：万元）"
    assert "本年处理决定数量" in df.columns and fee in df.columns
    assert df.loc["行政许可", "本年处理决定数量"] == 2103
    assert df.loc["行政许可", fee] is None
    assert df.loc["行政事业性收费", fee] == 2.95
    assert df.loc["行政事业性收费", "本年处理决定数量"] is None


@pytest.mark.parametrize("option", ["--workbook", "--prior"])
def test_editable_copy_refuses_a_workbook_that_is_not_there(tmp_path, cli, option):
    """A typo in --workbook/--prior is said now, not at "run all" in JupyterLab."""
    target = tmp_path / "x.ipynb"
    code, _, err = cli("notebook", "-o", target, option, tmp_path / "没有.xlsx")
    assert code == 2 and "没有.xlsx" in err and "Traceback" not in err
    assert not target.exists()


def test_notebook_without_cell_ids_runs_without_english_warnings(tmp_path):
    """A notebook edited outside Jupyter (cells added by a script, without the
    ids nbformat 4.5 expects) runs; nbformat's English MissingIDFieldWarning
    is not shown to staff."""
    nb = json.loads(Path(NOTEBOOK).read_text(encoding="utf-8"))
    assert nb["nbformat_minor"] >= 5
    for cell in nb["cells"]:
        cell.pop("id", None)
    mine = tmp_path / "old.ipynb"
    mine.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([str(Path(sys.executable).parent / "nianbao"), "run", str(DEMO_2024), "--prior",
                           str(DEMO_2023), "-o", str(tmp_path / "out"), "--formats", "html", "-q",
                           "--notebook", str(mine)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "report.html").is_file()
    assert "Warning" not in proc.stderr and "_validate" not in proc.stderr, proc.stderr
