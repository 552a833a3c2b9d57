"""The annual job end to end: real papermill, real kernel, real LibreOffice."""
from __future__ import annotations

import json
import re
import shutil

import nbformat
import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from conftest import DEMO_2023, DEMO_2024, has_soffice, WRONG_CELL, edited_copy
from nianbao.format import FORMAT
from nianbao.workbook import layout


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from nianbao.cli import main

    out = tmp_path_factory.mktemp("job") / "demo"
    formats = "docx,html,pdf" if has_soffice() else "docx,html"
    code = main(["run", str(DEMO_2024), "--prior", str(DEMO_2023), "-o", str(out), "--formats", formats, "-q"])
    return code, out


def test_demo_job_produces_everything(demo_run):
    code, out = demo_run
    assert code == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["status"] == "ok" and results["findings"]["error"] == 0
    assert results["agency"] == "示例市市场监督管理局" and results["year"] == 2024
    for key in ("report_docx", "report_html", "checks_json", "checks_xlsx", "notebook", "notebook_html",
                "manifest", "signoff_eml"):
        assert (out / results["files"][key]).is_file(), key
    assert len(results["files"]["charts"]) >= 5
    if has_soffice():
        assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    new = next(k for k in results["key_figures"] if k["name"] == "新收申请总数")
    assert (new["value"], new["prior"], new["phrase"]) == (70, 57, "比上年增加13件")
    assert not list(out.glob(".nianbao/staging/*")), "staging folder left behind"
    # the job explains its time: the runner's phases and each notebook step (issue 13)
    t = results["timings"]
    assert {"load", "lock_wait", "notebook", "kernel_start", "step:读取", "step:校验", "step:生成报告",
            "export_html", "total"} <= set(t), t
    assert all(isinstance(v, float) and v >= 0 for v in t.values())
    assert sum(v for k, v in t.items() if k.startswith("step:")) <= t["notebook"] <= t["total"]
    for p in out.rglob("*"):
        assert p.name.isascii(), f"output names are ASCII-safe: {p}"


def test_docx_headings_tables_and_fonts(demo_run):
    _, out = demo_run
    doc = Document(out / "report.docx")
    texts = [p.text.strip() for p in doc.paragraphs]
    positions = [texts.index(s.heading) for s in FORMAT.sections]
    assert positions == sorted(positions), "six headings in order"
    table3 = next(t for t in doc.tables if FORMAT.request_note in t.cell(0, 0).text)
    data_rows = [r for r in table3.rows if r.cells[-1].text.strip().isdigit()]
    assert len(data_rows) == 25
    totals = [int(r.cells[-1].text) for r in data_rows]
    assert totals[0] == 70 and totals[1] == 4 and totals[-2] == 69 and totals[-1] == 5
    assert [c.text for c in data_rows[0].cells[-7:]] == ["52", "11", "0", "1", "4", "2", "70"]
    styles = doc.styles.element
    east = {rf.get(qn("w:eastAsia")) for rf in styles.iter(qn("w:rFonts"))} - {None}
    assert {"仿宋_GB2312", "黑体"} <= east


def test_executed_notebook_and_code_free_html(demo_run):
    _, out = demo_run
    nb = nbformat.read(out / "notebook.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "prior_workbook" in injected[0].source
    html = (out / "notebook.html").read_text(encoding="utf-8")
    assert "AnnualJob(" not in html and "与上年对比" in html


def test_second_run_replaces_outputs(demo_run, tmp_path):
    _, first = demo_run
    out = tmp_path / "again"
    shutil.copytree(first, out, symlinks=True)
    (out / "notes-of-the-clerk.txt").write_text("不是 nianbao 的文件", encoding="utf-8")
    from nianbao.job import run_job

    result = run_job(DEMO_2024, prior=DEMO_2023, output_dir=out, formats=["docx", "html"], progress=False)
    assert result.exit_code == 0, result.render()
    assert not (out / "report.pdf").exists(), "a stale PDF from the earlier run must not survive"
    assert (out / "notes-of-the-clerk.txt").exists(), "files we did not make are left alone"
    assert json.loads((out / "results.json").read_text())["formats"] == ["docx", "html"]


def test_workbook_with_errors_exits_1_without_report(tmp_path, cli):
    p = layout.place(WRONG_CELL)
    bad = edited_copy(DEMO_2024, tmp_path / "bad.xlsx", requests__new_received__commercial=12)
    out = tmp_path / "out"
    code, stdout, _ = cli("run", bad, "--prior", DEMO_2023, "-o", out, "-q")
    assert code == 1
    assert "未生成报告" in stdout
    assert (out / "checks.xlsx").is_file() and (out / "notebook.ipynb").is_file()
    assert not list(out.glob("report.*"))
    results = json.loads((out / "results.json").read_text())
    assert results["status"] == "errors" and results["findings"]["error"] >= 1
    annotated = openpyxl.load_workbook(out / "checks.xlsx")
    assert annotated[p.sheet][p.coord].comment is not None


def test_bad_input_exits_2(tmp_path, cli):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"junk")
    code, _, err = cli("run", junk, "-o", tmp_path / "out", "-q")
    assert code == 2 and "不是 Excel 工作簿" in err + _
    bad = json.loads((tmp_path / "out" / "results.json").read_text())
    assert bad["status"] == "bad-input" and bad["timings"]["load"] <= bad["timings"]["total"]


def test_failing_cell_names_the_step(tmp_path, cli):
    from nianbao.job import NOTEBOOK

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("papermill_description") == "与上年对比")
    cell.source = "raise RuntimeError('分析员改坏了这一步')"
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "-q", "--notebook", broken)
    assert code == 3
    assert "与上年对比" in stdout and "notebook.ipynb" in stdout
    assert (out / "notebook.ipynb").is_file() and not list(out.glob("report.*"))


def _notebook_with(tmp_path, step: str, source: str):
    from nianbao.job import NOTEBOOK

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("papermill_description") == step)
    cell.source = source
    path = tmp_path / "custom.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_step_failing_after_rendering_publishes_no_report(tmp_path, cli):
    nb = _notebook_with(tmp_path, "输出清单", "raise RuntimeError('清单这一步坏了')")
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx,html", "-q",
                          "--notebook", nb)
    assert code == 3 and "输出清单" in stdout
    assert not list(out.glob("report.*")), "a failed job leaves no half-made report behind"
    assert ".nianbao/staging" not in stdout         # messages name the package, not the staging folder


def test_no_strict_renders_but_still_exits_1(tmp_path, cli):
    bad = edited_copy(DEMO_2024, tmp_path / "bad.xlsx", requests__new_received__commercial=12)
    out = tmp_path / "out"
    code, stdout, _ = cli("run", bad, "--prior", DEMO_2023, "-o", out, "--formats", "html", "--no-strict", "-q")
    assert code == 1 and (out / "report.html").is_file() and "数字有错误" in stdout


def test_a_no_strict_report_with_errors_is_not_signed(tmp_path, cli):
    """Made to look at, not signed: no manifest (it would become the package
    `verify` checks and could push the last signed one out), and `mail` refuses."""
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "-q")
    assert code == 0 and (out / "manifest.json").is_file()
    signed = (out / "manifest.json").resolve()
    bad = edited_copy(DEMO_2024, tmp_path / "bad.xlsx", requests__new_received__commercial=12)
    code, stdout, _ = cli("run", bad, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "--no-strict", "-q")
    assert code == 1 and (out / "report.docx").is_file() and "未签发" in stdout
    assert not (out / "manifest.json").exists() and not (out / "signoff.eml").exists()
    assert "manifest" not in json.loads((out / "results.json").read_text(encoding="utf-8"))["files"]
    code, stdout, err = cli("mail", out, "--to", "leader@example.gov.cn")
    assert code == 2 and "不能送签" in stdout + err and not (out / "manifest.json").exists()
    code, stdout, _ = cli("verify", out)
    assert code == 0 and signed.parent.name in stdout


def test_the_kernel_never_sees_the_smtp_password(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", "kernel-must-not-see-this")
    nb = _notebook_with(tmp_path, "输出清单", "import os\nprint(sorted(k for k in os.environ if 'NIANBAO' in k))\n"
                                            "print(os.environ.get('NIANBAO_SMTP_PASSWORD'))")
    out = tmp_path / "out"
    code, _, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "html", "-q", "--notebook", nb)
    assert code == 0
    for p in out.rglob("*"):
        if p.is_file():
            assert b"kernel-must-not-see-this" not in p.read_bytes(), p


def test_bad_notebook_is_bad_input(tmp_path, cli):
    code, out, err = cli("run", DEMO_2024, "-o", tmp_path / "o", "-q", "--notebook", tmp_path / "nope.ipynb")
    assert code == 2 and "笔记本" in out + err


def test_bad_input_leaves_an_earlier_run_alone(demo_run, tmp_path, cli):
    _, first = demo_run
    out = tmp_path / "again"
    shutil.copytree(first, out, symlinks=True)
    before = (out / "results.json").read_bytes()
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"junk")
    code, _, _ = cli("run", junk, "-o", out, "-q")
    assert code == 2
    assert (out / "results.json").read_bytes() == before
    assert cli("verify", out)[0] == 0, "the signed package still verifies"


def test_every_file_of_the_package_is_in_the_readme_outputs_table(demo_run):
    """The manual covers the tool: each file a job writes is named in the
    README's outputs table (issue 16)."""
    import fnmatch

    from conftest import ROOT
    from nianbao.publish import package_dir

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## 作业输出", 1)[1].split("\n### PDF", 1)[0]
    documented = re.findall(r"`([^`\s]+)`", "\n".join(l for l in table.splitlines() if l.startswith("| `")))
    _, out = demo_run
    package = package_dir(out)
    made = [p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()]
    assert len(made) > 10
    missing = [m for m in made if not any(fnmatch.fnmatch(m, d) for d in documented)]
    assert not missing, f"not in the README outputs table: {missing}"


def test_a_notebook_that_renders_nothing_is_a_failed_job(tmp_path, cli):
    """A modified notebook without the render step must not look like a
    finished package (no report, no sign-off): exit 3 with the reason."""
    from nianbao.job import NOTEBOOK

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells = [c for c in nb.cells if "job.render(" not in c.source]
    path = tmp_path / "no-render.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx,html", "-q",
                          "--notebook", path)
    assert code == 3 and "没有生成报告" in stdout and "job.render" in stdout
    assert not (out / "signoff.eml").exists() and not (out / "report.docx").exists()


def test_a_missing_fonts_folder_in_the_environment_is_bad_input(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("NIANBAO_FONTS", str(tmp_path / "没有这个文件夹"))
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "-o", out, "--formats", "pdf", "-q")
    assert code == 2 and "字体文件夹" in stdout and not (out / "report.pdf").exists()


def test_a_run_that_cannot_publish_lists_no_outputs(tmp_path, monkeypatch):
    """Disk full while publishing: exit 3 with the reason, and the message
    does not list report files that were never published."""
    import errno

    from nianbao import job

    def disk_full(folder, staging, keep=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(job, "publish", disk_full)
    out = tmp_path / "F"
    result = job.run_job(DEMO_2024, prior=DEMO_2023, output_dir=out, formats=["html"], progress=False)
    text = result.render()
    assert result.exit_code == 3 and "磁盘空间不足" in text, text
    assert "report.html" not in text and not result.summary.get("files"), text
    assert not (out / "report.html").exists() and not (out / "current").exists()


def test_a_single_runs_kernel_sockets_are_private_and_removed(tmp_path):
    """A single run's kernel talks over IPC sockets in a private folder (an
    absolute path), never names relative to the working folder, where two
    runs started from one folder would meet each other's kernel; the folder
    is gone afterwards."""
    from pathlib import Path

    from nianbao.job import _own_kernel

    staging = tmp_path / "staging"
    staging.mkdir()
    with _own_kernel(staging) as km:
        folder = Path(km.ip).parent
        assert Path(km.ip).is_absolute() and folder.is_dir()
        assert not str(folder).startswith(str(staging))
    assert not folder.exists()


def test_two_runs_started_from_one_folder_at_once_each_get_their_own_kernel(tmp_path):
    """Two agencies' runs from the same working folder at the same time:
    both succeed, each with its own figures."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "nianbao", "run", str(DEMO_2024), "--prior", str(DEMO_2023),
           "--formats", "html", "-q"]
    procs = [subprocess.Popen([*cmd, "-o", str(tmp_path / f"out{i}")], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in (1, 2)]
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out
    for i in (1, 2):
        results = json.loads((tmp_path / f"out{i}" / "results.json").read_text(encoding="utf-8"))
        assert results["status"] == "ok"
    assert not list(tmp_path.glob("kernel-ipc*")), "kernel sockets in the working folder"


def test_papermill_prepared_while_the_kernel_boots_leaves_the_record_of_the_real_run(demo_run, tmp_path):
    """A single run lets papermill read and parameterize the notebook once
    while the kernel boots (``job._prepare_papermill``, into a scratch
    file): the executed notebook still records the user's notebook and the
    run's parameters, and no scratch file is left; an unreadable notebook
    is not its business (the real call reports it), it neither raises nor
    leaves anything."""
    from nianbao.job import EXECUTED, _prepare_papermill

    code, out = demo_run
    nb = nbformat.read(out / EXECUTED, as_version=4)
    meta = nb.metadata["papermill"]
    assert meta["input_path"].endswith("annual_report.ipynb")
    assert meta["output_path"].endswith(EXECUTED) and ".prepared" not in meta["output_path"]
    assert meta["parameters"]["workbook"] == str(DEMO_2024)
    assert not list(out.rglob(".prepared*"))

    staging = tmp_path / "staging"
    staging.mkdir()
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    assert _prepare_papermill(broken, staging, {"workbook": "x"}) is None
    assert list(staging.iterdir()) == []


def test_pdf_without_libreoffice_is_said_before_the_notebook_runs(tmp_path):
    """Asked for a PDF on a machine without LibreOffice: the command says so
    at once (exit 2, in Chinese, how to fix), runs no notebook and leaves no
    kernel; before, the job failed only after the whole notebook had run."""
    import os
    import subprocess
    import sys

    import psutil

    bin_dir = tmp_path / "bin"          # a PATH with python but without soffice
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    env = dict(os.environ, PATH=str(bin_dir))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "nianbao", "run", str(DEMO_2024), "--formats", "docx,pdf",
                           "-o", str(out), "-q"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "找不到 LibreOffice" in proc.stdout + proc.stderr and "--formats docx,html" in proc.stdout + proc.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["status"] == "bad-input" and results["problems"][0]["code"] == "no-libreoffice"
    assert not (out / "notebook.ipynb").exists()
    assert not [p for p in psutil.Process().children(recursive=True) if p.is_running()
                and p.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(p.cmdline())]


def test_formats_as_staff_type_them(tmp_path, cli):
    """--formats in capitals and with a full-width comma (typed on a Chinese
    keyboard) is read as meant; an unknown format is still bad input."""
    out = tmp_path / "F"
    code, stdout, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "DOCX，Html", "-q")
    assert code == 0, stdout + err
    assert (out / "report.docx").is_file() and (out / "report.html").is_file() and not (out / "report.pdf").exists()
    code, stdout, err = cli("run", DEMO_2024, "-o", tmp_path / "G", "--formats", "docx,odt", "-q")
    assert code == 2 and "odt" in stdout + err


def test_a_setting_that_cannot_be_read_is_said(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("NIANBAO_KEEP_RUNS", "三个")
    monkeypatch.setenv("NIANBAO_LOCK_WAIT", "10s")
    code, stdout, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", tmp_path / "F", "--formats", "html", "-q")
    assert code == 0, stdout + err
    assert "NIANBAO_KEEP_RUNS 的值“三个”不是整数，按默认值 3 处理" in stdout
    assert "NIANBAO_LOCK_WAIT 的值“10s”不是秒数" in stdout
