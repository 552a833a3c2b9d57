"""``nianbao run``: one papermill job per agency-year.

The job is idempotent and self-contained: it reads its inputs, runs the
notebook in a staging folder inside OUTDIR, moves the outputs into place file
by file (removing what an earlier run left and this one did not make), and
writes ``results.json`` — the machine-readable summary a batch runner or a
status board reads — last. A batch of agencies can run these jobs in a
process pool or on a Dask cluster; nothing here depends on the current
working directory or shared state.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .errors import InputError, NianbaoError, Problem
from .fsutil import atomic_write_json
from .outputs import os_error_problem
from .outputs import output_dir as output_dir_checked
from .procs import child_kwargs
from .publish import (FolderBusy, Publication, begin, check_folder, clear_stale, folder_lock, package_dir, publish,
                      setting_notes, tidy)
from .kernelenv import SECRET_ENV  # what a notebook kernel must not inherit
from .nbparams import typed_params
from .sources import check_prior, load_report
from .outputnames import NAMES
from .timings import Timings, notebook_timings

# A notebook edited outside Jupyter may lack cell ids: nbformat adds them and warns
# in English (MissingIDFieldWarning, message match: nbformat is imported lazily); nothing
# for staff to do
warnings.filterwarnings("ignore", message="Cell is missing an id field")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "annual_report.ipynb"
RESULTS = "results.json"
EXECUTED = "notebook.ipynb"
EXECUTED_HTML = "notebook.html"
FORMATS = ("docx", "html", "pdf")
#: Everything a job may write; stale ones from an earlier run are removed.
OUTPUTS = (RESULTS, EXECUTED, EXECUTED_HTML, "manifest.json", "signoff.eml", "mail-sent.json",
           *(v for k, v in NAMES.items() if k != "charts"))

EXIT = {"ok": 0, "errors": 1, "bad-input": 2, "busy": 2, "failed": 3}
#: Report files: a job that stops or fails leaves none of them behind.
REPORT_FILES = ("report.docx", "report.html", "report.pdf")
#: Exceptions whose message is already written for staff.
OUR_ERRORS = frozenset({"NianbaoError", "InputError", "JobError", "SendError", "UncertainImport"})


@dataclass
class JobResult:
    status: str
    outdir: Path
    summary: dict = field(default_factory=dict)
    message: str = ""
    mail: str = ""
    mail_failed: bool = False
    kept: list[str] = field(default_factory=list)   # the user's own files at OUTDIR's top level

    @property
    def exit_code(self) -> int:
        """0 ok, 1 figures have errors (also when rendered anyway with --no-strict),
        2 bad input (or the output folder is busy with another run), 3 a step failed, 4 mail not sent."""
        if self.status == "ok" and self.summary.get("findings", {}).get("error"):
            return 1
        if self.status == "ok" and self.mail_failed:
            return 4
        return EXIT[self.status]

    def render(self) -> str:
        s = self.summary
        f = s.get("findings", {})
        head = {"ok": "完成", "errors": "数字有错误，未生成报告", "failed": "作业失败",
                "bad-input": "输入有误", "busy": "输出文件夹正被占用"}[self.status]
        if self.status == "ok" and f.get("error"):
            head = "已生成报告，但数字有错误"
        if self.status == "bad-input" and str((s.get("problems") or [{}])[0].get("code", "")).startswith("output-"):
            head = "输出位置有问题"        # the folder, not the workbook: no workbook advice
        lines = [f"【{head}】{s.get('title') or ''}"]
        if f:
            lines.append(f"校验：错误 {f.get('error', 0)} 处，警告 {f.get('warning', 0)} 处"
                         f"（已接受 {f.get('accepted', 0)} 处），提示 {f.get('info', 0)} 处。")
        for k in s.get("key_figures", [])[:4]:
            lines.append(f"  {k['name']}：{k['value']}{k['unit']}{('，' + k['phrase']) if k.get('phrase') else ''}")
        if self.message:
            lines.append(self.message)
        files = s.get("files", {})
        if files:
            lines.append(f"输出文件夹：{self.outdir}")
            for key in ("report_docx", "report_html", "report_pdf", "checks_xlsx", "notebook_html", "signoff_eml"):
                if key in files:        # a name the user's own file holds: ours is reached through current/
                    name = str(files[key])
                    lines.append(f"  current/{name}" if name.split("/")[0] in self.kept else f"  {name}")
        if s.get("pdf"):
            from .render.pdf import fonts_summary

            lines.append(fonts_summary(s["pdf"]))
        if self.mail:
            lines.append(self.mail)
        return "\n".join(lines)


def safe_name(name: str, fallback: str = "report") -> str:
    """An ASCII-safe folder name (Chinese names live inside the files)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or fallback


#: Characters Windows does not allow in a file name, and control characters.
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def folder_safe(name: str, fallback: str = "report") -> str:
    """NAME (Chinese kept) as a folder name legal on Windows, macOS and Linux:
    illegal characters become "-", no trailing dots or spaces, no reserved
    device names, at most 80 characters."""
    name = _ILLEGAL.sub("-", name).strip(" .-")[:80].rstrip(" .")
    if not name or name.split(".")[0].upper() in _RESERVED:
        return fallback
    return name


def default_outdir(workbook: Path, year: int | None, agency: str | None = None) -> Path:
    """``out/<agency>-<year>``: unique per agency and year, whatever the
    workbook's file is called. Without the agency (a workbook that could not
    be read) the folder is named after the file."""
    if agency and year:
        return Path("out") / f"{folder_safe(agency, 'agency')}-{year}"
    stem = safe_name(workbook.stem)
    parent = safe_name(workbook.parent.name, "")
    name = f"{parent}-{stem}" if parent and parent != stem else stem
    if year and str(year) not in name:
        name = f"{name}-{year}"
    return Path("out") / name


def _kernel_name() -> str:
    """The "nianbao" kernel the set-up installs, else this Python's own."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("nianbao")
        if Path(spec.argv[0]).exists():
            return "nianbao"
    except Exception:
        pass
    return "python3"


def _kernel_manager_class(quick: bool = False):
    """IPC transport on POSIX: no TCP ports to race for when many jobs start
    at once (papermill #511), and no plain-TCP warning printed to staff.
    ``quick``: its clients are ``kernelclient.QuickReadyClient`` (ready
    without jupyter_client's 0.2 s IOPub drain), as our runs use them;
    without it, stock clients (the benchmarks' floor)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc" if os.name == "posix" else "tcp"

        if quick:
            @default("client_factory")
            def _default_client_factory(self):
                from .kernelclient import QuickReadyClient

                return QuickReadyClient

        async def _async_pre_start_kernel(self, **kw):
            # The kernel's own log lines (English, e.g. on shutdown) are not for
            # staff; errors in cells reach us through the notebook instead.
            kw.setdefault("stderr", subprocess.DEVNULL)
            # The notebook never needs the SMTP password (mail is sent by the
            # runner), so the kernel — and any cell an analyst adds — never sees it.
            kw["env"] = {k: v for k, v in kw.get("env", os.environ).items() if k not in SECRET_ENV}
            # the kernel ends when the run ends, even when the run is killed
            kw.update(child_kwargs())
            return await super()._async_pre_start_kernel(**kw)

    return IPCKernelManager


def _step_of(nb_path: Path, index: int | None) -> str:
    """The failed cell's step name (its papermill_description), found by
    papermill's per-cell status rather than by index: papermill inserts
    error-marker cells into the saved notebook."""
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
        for status in ("failed", "running"):      # running: the kernel died or timed out in it
            cells = [c for c in nb.cells if c.metadata.get("papermill", {}).get("status") == status]
            if cells:
                return cells[0].metadata.get("papermill_description") or f"第 {index} 个单元格"
    except Exception:
        pass
    return f"第 {index} 个单元格" if index is not None else "未知步骤"


class _Exporter:
    """The notebook-to-HTML exporter (``nbexport``), made in a thread of this
    process while the kernel runs: importing nbconvert and compiling its
    templates takes ~0.27 s of CPU here, where papermill has already imported
    what nbconvert shares with it. (It was a helper process, which paid ~0.55 s
    of CPU for its own interpreter and those imports: in a PDF run, whose
    cells already share two cores with LibreOffice starting, the thread made
    the run ~6 % shorter, 7 interleaved pairs; a run without PDF the same.)"""

    def __init__(self):
        self._made = None
        self._thread = threading.Thread(target=self._make, daemon=True, name="nianbao-nbexport")
        self._thread.start()

    def _make(self) -> None:
        try:
            from .nbexport import exporter

            self._made = exporter()
        except Exception:          # made again below, where a failure is reported
            self._made = None

    def export(self, nb_path: Path, html_path: Path) -> None:
        from .nbexport import export, exporter

        self._thread.join()
        export(self._made or exporter(), nb_path, html_path)


def check_utf8_path(path: Path, what: str) -> None:
    """A path we cannot write into JSON, the notebook or a message (bytes that
    are not UTF-8 in a file name) is refused before anything is made."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise InputError(Problem("path-not-utf8", f"{what}的名称中有无法识别的字符（不是 UTF-8 编码）",
                                 file=shown, fix="把文件或文件夹改名（只用中文、字母、数字）后重新运行")) from None


def _check_recipients(report, mail_to: list[str] | None, workbook: Path, formats=(), send: bool = False) -> None:
    """签发人邮箱 (workbook) and --mail-to: plain addresses only, checked
    before anything is written; a --mail-to without any address, or mail
    asked for a run that makes no Word or PDF report (nothing to sign), is
    bad input too."""
    from .signoff.addresses import check_addresses, split_addresses
    from .workbook import layout

    if mail_to and not split_addresses(mail_to):
        raise InputError(Problem("mail-to-empty", "--mail-to 没有给出任何邮箱地址", expected="如 leader@example.gov.cn",
                                 fix="写上收件人的邮箱地址，或去掉 --mail-to（只保存 signoff.eml，不发送）"))
    if mail_to:
        check_addresses(split_addresses(mail_to), what="--mail-to 给出的收件人", fix="用 --mail-to 给出一个正确的邮箱地址")
    if (mail_to or send) and not {"docx", "pdf"} & set(formats):
        raise InputError(Problem("mail-needs-report", "要求发送签发邮件，但 --formats 中没有 Word 或 PDF，没有可签发的报告",
                                 expected="--formats 中含 docx 或 pdf",
                                 fix="在 --formats 中加入 docx 或 pdf，或去掉 --mail-to / --send"))
    where = layout.place("meta.signoff_to")
    check_addresses(report.meta.get("signoff_to") or [], what="签发人邮箱", file=str(workbook), sheet=where.sheet,
                    cell=where.coord, fix="每个单元格只填邮箱地址，多个用分号隔开，不要换行或写其他内容")


def _check_same_package(outdir: Path, report, force: bool) -> None:
    """``-o F`` must not replace another agency's or year's package."""
    if force:
        return
    try:
        info = json.loads((package_dir(outdir) / RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(info, dict) or not info.get("agency") or not info.get("year"):
        return
    if (info["agency"], info["year"]) != (report.agency, report.year):
        raise InputError(Problem(
            "output-other-package",
            f"输出文件夹中已有 {info['agency']} {info['year']} 年度的报告，与本工作簿"
            f"（{report.agency} {report.year} 年度）不是同一份，为免覆盖未运行",
            file=str(outdir), fix="用 -o 指定另一个文件夹（不给 -o 时每个机关、年度各用一个文件夹），"
                                  "确需替换时加 --force"))


_early: contextvars.ContextVar = contextvars.ContextVar("nianbao_early_kernel", default=None)


def run_job(workbook: str | Path, prior: str | Path | None = None, output_dir: str | Path | None = None,
            formats: list[str] | tuple[str, ...] = FORMATS, strict: bool = True,
            mail_to: list[str] | None = None, send: bool = False, progress: bool = True,
            timeout: int = 600, notebook: str | Path | None = None, params: dict | None = None,
            force: bool = False, lock_wait: float | None = None) -> JobResult:
    """Run the annual job; never raises for bad input or a failed step —
    the outcome is in the returned JobResult and in OUTDIR/results.json.

    ``notebook``: an analyst's own copy of the notebook; ``params``: extra
    parameters of that notebook (name → value; strings are converted to the
    type the parameters cell declares, see ``nbparams``).

    The package is built in OUTDIR/.nianbao/staging/<id> and published in one
    atomic step (see ``nianbao.publish``); ``force`` allows replacing another
    agency's or year's package; ``lock_wait`` (seconds, default
    ``NIANBAO_LOCK_WAIT`` or 10) bounds the wait for another run into OUTDIR.

    Outside a batch worker the run's kernel is launched first of all
    (``earlykernel``), so that it boots while the inputs are read."""
    early = None
    if _worker_pool() is None and not _early.get():
        from .earlykernel import launch, take_launched
        from .kernelenv import EXTRA_ARGUMENTS, PRELOAD

        # the console command launched it already, before importing us (earlykernel.launch_for_argv)
        early = take_launched(office_socket="pdf" in formats)
        if early is None:
            early = launch(PRELOAD, EXTRA_ARGUMENTS, SECRET_ENV, office_socket="pdf" in formats)
    token = _early.set(early)
    try:
        return _run_job(workbook, prior, output_dir, formats, strict, mail_to, send, progress, timeout, notebook,
                        params, force, lock_wait)
    finally:
        _early.reset(token)
        if early is not None:
            early.discard()          # unused (bad input, busy folder) or already ended


def _run_job(workbook, prior, output_dir, formats, strict, mail_to, send, progress, timeout, notebook, params,
             force, lock_wait) -> JobResult:
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    timings = Timings()
    workbook = Path(workbook).resolve()
    prior_path = Path(prior).resolve() if prior else None
    bad = [f for f in formats if f not in FORMATS]

    base = {"nianbao": __version__, "workbook": str(workbook),
            "prior_workbook": str(prior_path) if prior_path else None,
            "started": started.isoformat(timespec="seconds"), "formats": list(formats)}
    report = None
    try:
        check_utf8_path(workbook, "工作簿文件")
        if prior_path:
            check_utf8_path(prior_path, "上年工作簿文件")
        if output_dir is not None:
            check_utf8_path(Path(output_dir).resolve(), "输出文件夹")
        if bad or not formats:
            raise InputError(Problem("formats", f"不认识的报告格式：{'、'.join(bad)}" if bad else "没有指定报告格式",
                                     expected="docx、html、pdf 中的一个或几个，用逗号分隔"))
        if workbook.suffix.lower() == ".json":      # the 校验 step annotates a copy of the workbook itself
            raise InputError(Problem(
                "run-needs-workbook", "nianbao run 需要标准工作簿（.xlsx），这是报告 JSON", file=str(workbook),
                expected="本年度的标准工作簿 .xlsx（标注副本 checks.xlsx 由它复制而成）",
                fix=f"先转换为工作簿：nianbao import {workbook.name} -o {workbook.stem}.xlsx，"
                    f"再运行 nianbao run {workbook.stem}.xlsx"))
        notebook = _checked_notebook(notebook)
        params = typed_params(notebook, params or {})
        if "pdf" in formats:          # a licensed-fonts folder named in NIANBAO_FONTS must exist
            from .render.fonts import fonts_dir
            from .render.pdf import find_soffice, no_soffice

            fonts_dir()
            if find_soffice() is None:    # said now, not after the notebook has run
                raise no_soffice()
        report = load_report(workbook, documents=False)
        prior_report = load_report(prior_path) if prior_path else None
        notes = check_prior(report, prior_report, prior_path) + setting_notes()
        _check_recipients(report, mail_to, workbook, formats, send)
        outdir = output_dir_checked(output_dir or default_outdir(workbook, report.year, report.agency))
        check_folder(outdir)
        _check_same_package(outdir, report, force)
    except NianbaoError as e:
        timings.add("load", time.perf_counter() - t0)
        summary = base | {"status": "bad-input", "problems": [p.to_dict() for p in e.problems],
                          "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          "timings": timings.as_dict()}
        if e.problems[0].code == "path-not-utf8":
            return JobResult("bad-input", Path(output_dir or "."), summary, e.render())
        known = (report.year, report.agency) if report is not None else (None, None)
        outdir = Path(output_dir or default_outdir(workbook, *known)).resolve()
        if e.problems[0].code in ("output-other-package", "current-not-ours"):
            return JobResult("bad-input", outdir, summary, e.render())
        # A folder that holds an earlier run keeps its summary: a typo in today's
        # command must not make a signed package look broken (the caller gets
        # this summary returned). A new folder records why nothing was made.
        try:
            if not (outdir / RESULTS).exists() and not (outdir / RESULTS).is_symlink():
                outdir.mkdir(parents=True, exist_ok=True)
                atomic_write_json(outdir / RESULTS, summary)
        except OSError:
            pass                        # the output folder itself is the problem; the message says so
        return JobResult("bad-input", outdir, summary, e.render())

    timings.add("load", time.perf_counter() - t0)
    waited = time.perf_counter()
    try:
        with folder_lock(outdir, lock_wait):
            timings.add("lock_wait", time.perf_counter() - waited)
            try:        # again: another run may have published into OUTDIR while we waited for the lock
                _check_same_package(outdir, report, force)
            except InputError as e:
                summary = base | {"status": "bad-input", "problems": [p.to_dict() for p in e.problems],
                                  "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
                return JobResult("bad-input", outdir, summary, e.render())
            return _run_locked(base, workbook, prior_path, outdir, report, prior_report, notes, notebook,
                               params, list(formats), strict, mail_to, send, progress, timeout, t0, timings)
    except FolderBusy as e:
        summary = base | {"status": "busy", "problems": [p.to_dict() for p in e.problems]}
        return JobResult("busy", outdir, summary, e.render())
    except OSError as e:             # the lock file itself could not be made
        summary = base | {"status": "failed", "error": os_error_problem(e).render()}
        return JobResult("failed", outdir, summary, os_error_problem(e).render())


def _run_locked(base: dict, workbook: Path, prior_path: Path | None, outdir: Path, report, prior_report,
                notes: list[str], notebook: Path, params: dict, formats: list[str], strict: bool,
                mail_to: list[str] | None,
                send: bool, progress: bool, timeout: int, t0: float, timings: Timings) -> JobResult:
    """The run proper, with OUTDIR's lock held: build the package in staging,
    sign it, publish it in one step. ``timings`` gets the job's phases
    (results.json "timings": the runner's own, the notebook's from papermill's
    record; what happens after results.json is written — signing, publishing —
    is not in it)."""
    stale = clear_stale(outdir)
    status, message = "ok", "\n".join(notes)
    if stale:
        message = "\n".join(m for m in (message, f"已清除被中断的作业留下的临时文件夹 {len(stale)} 个。") if m)
    staging = begin(outdir)
    published: Publication | None = None
    mail_text, mail_failed, unsigned = "", False, True
    can_sign = False
    summary: dict = {}
    helpers = _Helpers(workbook, prior_path, staging)
    try:
        with timings.phase("notebook"):
            status, text = _execute(notebook, workbook, prior_path, staging, formats, strict, progress,
                                    timeout, helpers, params, timings)
        timings.update(notebook_timings(staging / EXECUTED))
        message = "\n".join(m for m in (message, _outside(text, staging, outdir)) if m)
        if status == "ok" and (missing := _missing_reports(staging, formats)):
            status = "failed"
            message = "\n".join(m for m in (message, (
                f"笔记本运行完毕，但没有生成报告：{'、'.join(missing)}。"
                "修改过的笔记本中是否删去了“生成报告”一步（job.render(charts)）？"
                "请恢复该单元格，或用 --formats 只要求笔记本生成的格式。")) if m)
        try:
            with timings.phase("export_html"):
                helpers.export(staging / EXECUTED, staging / EXECUTED_HTML)
        except Exception:  # the report itself does not depend on this view
            message += "\n（执行过的笔记本未能导出为网页版）"
        if status != "ok":            # a stopped or failed job publishes no report at all
            for name in REPORT_FILES:
                (staging / name).unlink(missing_ok=True)
        tidy(staging)
        can_sign = status == "ok" and bool({"docx", "pdf"} & set(formats))
        summary = _summarise(base, status, staging, report, prior_report, mail_to, t0, can_sign, notebook)
        if status == "ok" and summary["findings"].get("error"):
            # --no-strict: the report is made to look at, not signed (a manifest would make it the package
            # `verify` checks, and keeping the newest runs could then drop the last one really signed)
            can_sign = False
            for key in ("manifest", "signoff_eml"):
                summary["files"].pop(key, None)
            message = "\n".join(m for m in (message, "注意：数字有错误，按 --no-strict 仍生成了报告，供查看，未签发；"
                                             "请改正后重新运行再送签。") if m)
        if status == "failed":
            summary["error"] = message
        summary["timings"] = timings.as_dict()
        atomic_write_json(staging / RESULTS, summary)
        if can_sign:
            mail_text, unsigned = _package(staging, mail_to)
            mail_failed = unsigned and send
        published = publish(outdir, staging)
    except (KeyboardInterrupt, SystemExit):
        if "pdf" in formats and _worker_pool() is None:
            _stop_conversion()
        raise
    except (NianbaoError, OSError) as e:
        status = "failed"
        message = e.render() if isinstance(e, NianbaoError) else os_error_problem(e).render()
        # nothing was published: list none of the files the run had made
        summary = {k: v for k, v in (summary or base).items() if k not in ("files", "pdf")} | {
            "status": "failed", "error": message}
        can_sign = False
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if published is not None:
        if published.render():
            message = "\n".join(m for m in (message, published.render()) if m)
        mail_text = _outside(mail_text, staging, outdir)
    result = JobResult(status, outdir, summary, message, kept=published.kept if published else [])
    if can_sign and published is not None:
        result.mail, result.mail_failed = mail_text, mail_failed
        if send and not unsigned:
            result.mail, result.mail_failed = _send(published.run_dir, outdir, mail_to, mail_text)
    elif status == "ok" and not (summary.get("findings") or {}).get("error"):
        result.mail = "只生成了网页版，未生成签发邮件（签发需要 Word 或 PDF：--formats 中加入 docx 或 pdf）。"
        result.mail_failed = send
    return result


def _stop_conversion() -> None:
    """A run stopped by Ctrl-C or SIGTERM: its LibreOffice (this process's,
    ``_warm_office``) finishes or drops the PDF it is making before staging is
    removed; it would otherwise write that PDF into a staging folder that is
    gone, making it again."""
    from .render import office

    with contextlib.suppress(Exception):
        office.shutdown(wait=5)


def _outside(text: str, inner: Path, outdir: Path) -> str:
    """Messages name the package's place in OUTDIR, not its internal folder."""
    return text.replace(str(inner) + os.sep, str(outdir) + os.sep).replace(str(inner), str(outdir))


def _checked_notebook(notebook: str | Path | None) -> Path:
    """An analyst's own notebook (``--notebook``) must be a readable .ipynb."""
    if notebook is None:
        return NOTEBOOK
    path = Path(notebook).resolve()
    problem = None
    if not path.is_file():
        problem = "找不到这个笔记本文件"
    elif path.suffix.lower() != ".ipynb":
        problem = "不是 Jupyter 笔记本（应以 .ipynb 结尾）"
    else:
        import nbformat

        try:
            nbformat.read(path, as_version=4)
        except Exception:
            problem = "文件内容不是有效的 Jupyter 笔记本"
    if problem:
        raise InputError(Problem("notebook", problem, file=str(path), expected="一个 .ipynb 笔记本",
                                 fix="检查 --notebook 给出的路径；可以复制 notebooks/annual_report.ipynb 再修改"))
    return path


def _missing_reports(staging: Path, formats: list[str]) -> list[str]:
    """The report files a run asked for that its notebook did not make."""
    return [f"report.{f}" for f in formats if not (staging / f"report.{f}").is_file()]


class _Helpers:
    """Work the runner does on the second core while the kernel runs: it
    prepares the notebook-to-HTML export (``_Exporter``). (Charts are drawn by the notebook
    itself, never ahead of it: what the notebook draws is what is published.)

    A batch worker makes one exporter for all its jobs (``_worker_exporter``)."""

    def __init__(self, workbook: Path, prior: Path | None, staging: Path):
        self.exporter: _Exporter | None = None
        self.in_worker = _worker_pool() is not None

    def tick(self, **_) -> None:
        """After the first cell (the kernel is up): start the exporter."""
        if self.exporter is None and not self.in_worker:
            self.exporter = _Exporter()

    def export(self, nb_path: Path, html_path: Path) -> None:
        if self.in_worker:
            from .nbexport import export

            export(_worker_exporter(), nb_path, html_path)
            return
        if self.exporter is None:
            self.exporter = _Exporter()
        self.exporter.export(nb_path, html_path)


@functools.lru_cache(maxsize=1)
def _worker_exporter():
    """A batch worker's notebook-to-HTML exporter, made once (``nbexport``)."""
    from .nbexport import exporter

    return exporter()


def _execute(notebook: Path, workbook: Path, prior: Path | None, staging: Path, formats: list[str], strict: bool,
             progress: bool, timeout: int, helpers: _Helpers, extra: dict | None = None,
             timings: Timings | None = None) -> tuple[str, str]:
    params = {"workbook": str(workbook), "prior_workbook": str(prior) if prior else "",
              "output_dir": str(staging), "formats": formats, "strict": strict,
              "notebook_path": str(notebook), **(extra or {})}
    # papermill logs in English (e.g. "Passed unknown parameter" for an analyst's
    # older notebook without notebook_path); what matters reaches staff in Chinese.
    # papermill's and nbclient's timeout and dead-kernel lines are English: said below in Chinese
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    logging.getLogger("nbclient").setLevel(logging.CRITICAL)
    executed = staging / EXECUTED
    bar = _Progress(notebook) if progress else None
    hooks = bar.hooks() if bar else {}
    done = hooks.get("on_cell_complete")

    def on_complete(cell, cell_index):
        helpers.tick()
        if done:
            done(cell=cell, cell_index=cell_index)

    hooks["on_cell_complete"] = on_complete
    started = hooks.get("on_cell_start")
    running: dict = {}

    def on_start(cell, cell_index):
        running["step"] = cell.metadata.get("papermill_description") or f"第 {cell_index} 个单元格"
        if started:
            started(cell=cell, cell_index=cell_index)

    hooks["on_cell_start"] = on_start
    # papermill writes the executed notebook only at the end (no per-cell saves):
    # keep nbclient's notebook so that a timeout or a dead kernel still leaves it
    hooks["on_notebook_start"] = lambda notebook: running.update(nb=notebook)
    pool = _worker_pool()
    try:
        with contextlib.ExitStack() as stack:
            try:
                if pool is not None:     # a batch worker: a kernel started ahead, not waited on at the end
                    hooks["km"] = stack.enter_context(pool.kernel(cwd=staging))
                    if timings is not None:
                        timings.add("kernel_wait", pool.last_wait_s or 0.0)
                else:
                    early = _early.get()
                    if early is not None and not early.alive():
                        early = None             # it died while booting: start one the usual way
                    if "pdf" in formats:
                        _warm_office(stack, early.office_socket if early is not None else None)
                    if early is None:
                        hooks["km"] = stack.enter_context(_own_kernel(staging))
                    if "pdf" in formats:
                        _boot_office()       # the kernel is launched already: LibreOffice boots beside it
                    _prepare_papermill(notebook, staging, params)   # while the kernel boots
                    if early is not None:    # waits for the kernel: after everything else is under way
                        waited = time.perf_counter()
                        hooks["km"] = stack.enter_context(early.manager(staging))
                        if timings is not None:
                            timings.add("kernel_wait", time.perf_counter() - waited)
            except NianbaoError as e:   # the kernel could not start (said in Chinese)
                return "failed", e.render()
            import papermill as pm      # a single run imported it while the kernel booted
            from papermill.exceptions import PapermillExecutionError
            try:
                pm.execute_notebook(str(notebook), str(executed), **_papermill_args(params), cwd=str(staging),
                                    execution_timeout=timeout, report_mode=False, request_save_on_cell_execute=False,
                                    kernel_manager_class=_kernel_manager_class(quick=True), **hooks)
            except PapermillExecutionError as e:
                if e.ename == "FiguresHaveErrors":
                    return "errors", e.evalue
                step = _step_of(executed, e.cell_index)
                # our own errors carry a Chinese message; anything else keeps its name for the analyst
                what = e.evalue if e.ename in OUR_ERRORS else f"{e.ename}: {e.evalue}"
                return "failed", (f"步骤“{step}”出错：{what}\n"
                                  f"已执行的笔记本保存在 {EXECUTED}（网页版 {EXECUTED_HTML}），可打开查看出错位置。")
    except Exception as e:  # kernel died, timeout …
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if isinstance(e, (CellTimeoutError, DeadKernelError)):
            why = (f"超过 {timeout} 秒仍未完成（执行时限），已停止" if isinstance(e, CellTimeoutError)
                   else "运行中笔记本内核意外停止（可能内存不足或被结束）")
            saved = ""
            if running.get("nb") is not None and not executed.exists():
                import nbformat

                nbformat.write(running["nb"], str(executed))
                saved = f"\n已执行的部分保存在 {EXECUTED}（网页版 {EXECUTED_HTML}），可打开查看停在哪一步。"
            return "failed", (f"步骤“{running.get('step', '未知步骤')}”{why}。"
                              f"请检查该步骤（如分析员修改过的单元格），然后重新运行。{saved}")
        return "failed", f"作业无法运行：{type(e).__name__}: {e}"
    finally:
        if bar:
            bar.close()
    return "ok", ""


def _papermill_args(params: dict) -> dict:
    """The arguments the run's papermill call and its preparation share.
    ``language``: our kernels are Python, also for a notebook saved
    without kernel metadata."""
    return {"parameters": params, "kernel_name": _kernel_name(), "language": "python", "progress_bar": False,
            "log_output": False}


def _prepare_papermill(notebook: Path, staging: Path, params: dict) -> None:
    """What papermill does before it needs the kernel, done once while a
    single run's kernel boots on the other core (~0.25 s that was on the
    critical path after the kernel was ready; benchmarks/README.md): import it,
    and let it read, validate, parameterize and write the notebook once
    (``prepare_only``; nbformat compiles its schema validator on first use),
    into a scratch file that is removed. The real call does the same again
    in a few milliseconds. Never fails the job: a notebook papermill cannot
    read is reported by the real call."""
    scratch = staging / ".prepared.ipynb"
    try:
        import papermill as pm

        pm.execute_notebook(str(notebook), str(scratch), **_papermill_args(params), prepare_only=True)
    except Exception:
        pass
    finally:
        scratch.unlink(missing_ok=True)


@contextlib.contextmanager
def _own_kernel(staging: Path):
    """A single run's kernel: started before papermill is imported, and told
    at once to import the notebook's libraries (``kernelpool.PRELOAD``,
    libraries only, run silently like a batch worker's next kernel) while
    this process imports papermill and prepares the notebook; killed as soon
    as the notebook is done (every output is already written, nothing runs
    at its exit), instead of waiting for a graceful shutdown. Raises
    ``JobError`` "kernel-start" if it cannot start."""
    from .kernelenv import EXTRA_ARGUMENTS, PRELOAD
    from .kernelpool import _call, _start_error

    from . import tmpdirs

    km = _kernel_manager_class(quick=True)(kernel_name=_kernel_name())
    # IPC socket names are relative to each side's working folder unless absolute: the
    # kernel works in staging, we connect from elsewhere, and two runs started from one
    # folder must never meet each other's kernel: a private folder of our own
    sockets = tmpdirs.make("kernel")
    km.connection_file = str(sockets / "kernel.json")        # with its key: never left in the temporary folder
    if km.transport == "ipc":
        km.ip = str(sockets / "kernel")
    preload = [f"--IPKernelApp.exec_lines={line}" for line in PRELOAD.splitlines()]
    try:
        try:
            _call(km.start_kernel, extra_arguments=[*EXTRA_ARGUMENTS, *preload], cwd=str(staging))
        except Exception as e:
            with contextlib.suppress(Exception):
                _call(km.shutdown_kernel, now=True)
            raise _start_error(e) from None
        try:
            yield km
        finally:
            with contextlib.suppress(Exception):
                _call(km.shutdown_kernel, now=True)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


def _warm_office(stack: contextlib.ExitStack, path: str | None = None) -> None:
    """A single run that makes a PDF serves this process's warm LibreOffice
    (``render.office``) to its kernel: the socket's address must be in the
    environment before the kernel starts; ``_boot_office`` then starts
    LibreOffice. It ends with this process (``procexit``), or stays warm for
    the next ``run_job`` of an analyst's Python session. A batch worker's
    kernels use the batch's instead (``batch._served_office``). ``path``:
    the socket an early kernel was told (``earlykernel.launch``)."""
    from .render import office

    stack.enter_context(office.serving(path))


def _boot_office() -> None:
    """Start the served LibreOffice now, once the kernel is launched (finding
    LibreOffice and its Python takes ~0.2 s, not worth delaying the kernel
    for): it boots on the other core while the kernel imports and the
    notebook runs, and the PDF step converts without waiting for it."""
    from .render import office

    office.prestart()


def _worker_pool():
    """The kernel pool of a batch worker (``worker.init`` made one in this
    process), else None: a single ``nianbao run`` starts its own kernel."""
    from . import kernelpool

    return kernelpool._pool if kernelpool._owner == os.getpid() else None


class _Progress:
    """A progress bar in Chinese, one tick per code cell, labelled with the
    step (the cell's papermill_description) — papermill's own bar says
    "Executing" in English."""

    def __init__(self, notebook: Path):
        import nbformat
        from tqdm.auto import tqdm

        nb = nbformat.read(notebook, as_version=4)
        total = sum(1 for c in nb.cells if c.cell_type == "code") + 1   # + the injected parameters
        self.bar = tqdm(total=total, desc="年报作业·启动", unit="步", leave=False, file=sys.stderr,
                        bar_format="{desc}：{bar} {n_fmt}/{total_fmt} [{elapsed}]")

    def hooks(self) -> dict:
        def start(cell, cell_index):
            step = cell.metadata.get("papermill_description")
            if step:
                self.bar.set_description_str(f"年报作业·{step}")

        def done(cell, cell_index):
            self.bar.update(1)

        return {"on_cell_start": start, "on_cell_complete": done}

    def close(self) -> None:
        self.bar.close()


def _summarise(base: dict, status: str, outdir: Path, report, prior, mail_to, t0: float,
               can_sign: bool, notebook: Path = NOTEBOOK) -> dict:
    from .figures import key_figures
    from .fsutil import sha256_file
    from .signoff.addresses import split_addresses

    steps = {}
    try:
        steps = json.loads((outdir / NAMES["steps"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    counts = steps.get("summary", {}) or {}
    files = dict(steps.get("files", {}))
    for key, name in (("notebook", EXECUTED), ("notebook_html", EXECUTED_HTML)):
        if (outdir / name).exists():
            files[key] = name
    if status != "ok":
        for key in ("report_docx", "report_html", "report_pdf"):
            files.pop(key, None)
    if can_sign:
        files["manifest"] = "manifest.json"
        files["signoff_eml"] = "signoff.eml"
    return base | {
        "status": status,
        "agency": report.agency, "year": report.year,
        "title": f"{report.agency}{report.year}年政府信息公开工作年度报告",
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 2),
        "findings": {k: counts.get(k, 0) for k in ("error", "warning", "info", "accepted")},
        "key_figures": key_figures(report, prior),
        "files": files,
        "signoff_to": split_addresses(mail_to) or list(report.meta.get("signoff_to") or []),
        "notebook": _notebook_record(notebook, steps.get("provenance") or {}, sha256_file),
        "pdf": steps.get("pdf") if status == "ok" else None,
    }


def _notebook_record(notebook: Path, provenance: dict, sha256_file) -> dict:
    """Which notebook produced the report: its path and SHA-256, whether it
    is the shipped one (same content), and what the kernel recorded."""
    try:
        sha = sha256_file(notebook)
        shipped = sha == sha256_file(NOTEBOOK)
    except OSError:
        sha, shipped = None, False
    return {"path": str(notebook), "sha256": sha, "shipped": shipped,
            "kind": "随附笔记本" if shipped else "修改过的笔记本",
            "inputs": {k: provenance.get(k) for k in ("workbook_sha256", "prior_sha256", "nianbao")}}


def _package(staging: Path, mail_to: list[str] | None) -> tuple[str, bool]:
    """Write the manifest and the .eml inside the package before it is
    published. Returns the message for staff and whether it failed."""
    from .signoff import package

    try:
        pkg = package(staging, mail_to or None)
    except NianbaoError as e:
        return "签发材料生成失败：" + e.render(), True
    return f"签发邮件已保存：{pkg.eml}（可用任何邮件客户端发送）；文件清单：{pkg.manifest}", False


def _send(run_dir: Path, outdir: Path, mail_to: list[str] | None, text: str) -> tuple[str, bool]:
    """Send the published package's mail. Returns the message and whether
    the delivery failed."""
    from .signoff import send_package

    try:
        delivery = send_package(outdir, mail_to or None)      # outdir/current is run_dir (the lock is held)
    except NianbaoError as e:
        return text + "\n签发邮件未能发送：" + _outside(e.render(), run_dir, outdir), True
    return text + "\n" + _outside(delivery.render(), run_dir, outdir), False
