"""The ``nianbao`` command: a thin layer over the library (after papermill and
sqlite-utils). Help and messages in Chinese; exit codes 0 success, 1 the
figures have errors (or files changed since sign-off), 2 bad input or usage.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path
from typing import Callable

from .errors import InputError, NianbaoError, Problem
from .outputs import os_error_problem, output_file

_ARGPARSE_ZH = (
    ("the following arguments are required", "缺少必需的参数"),
    ("unrecognized arguments", "无法识别的参数"),
    ("invalid choice", "无效的选择"),
    ("choose from", "可选"),
    ("expected one argument", "需要一个值"),
    ("invalid int value", "不是整数"),
    ("not allowed with argument", "不能与该参数同时使用"),
    ("argument ", "参数 "),
)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str):
        for en, zh in _ARGPARSE_ZH:
            message = message.replace(en, zh)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n（用 {self.prog} -h 查看帮助）\n")


COMMANDS: dict[str, tuple[str, Callable]] = {}


def command(name: str, help: str):
    def deco(fn):
        COMMANDS[name] = (help, fn)
        return fn
    return deco


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- commands ---------------------------------------------------------------

@command("template", "生成标准填报工作簿 templates/report.xlsx")
def cmd_template(args) -> int:
    from .workbook.writer import write_template

    path = write_template(output_file(args.output, ".xlsx", force=args.force, replaceable=_is_blank_template))
    _out(f"已生成标准工作簿：{path}")
    return 0


@command("export", "把工作簿导出为报告 JSON")
def cmd_export(args) -> int:
    from .reportjson import dumps
    from .sources import load_report

    report = load_report(args.workbook, documents=False)
    if args.output:
        output_file(args.output, ".json", force=args.force, inputs=(args.workbook,),
                    replaceable=lambda p: _is_export_of(p, report))
    text = dumps(report)
    if args.output:
        from .fsutil import atomic_write_text

        atomic_write_text(args.output, text)
        print(f"已导出：{args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


@command("import", "把报告 JSON 或已发布的报告（.txt .html .docx .pdf）导入标准工作簿")
def cmd_import(args) -> int:
    from .importer.output import output_suffix, write_imported

    source = Path(args.source)
    output_file(args.output, output_suffix(args.output), force=args.force, inputs=(source,))
    if source.suffix.lower() == ".json":
        from .reportjson import load

        report, summary = load(source), None
    else:
        from .importer import import_report
        from .sources import load_report

        prior = load_report(args.prior) if args.prior else None
        result = import_report(source, accept_uncertain=args.accept_uncertain, prior=prior)
        report, summary = result.report, result.render_summary()
    write_imported(report, args.output)      # reads it back: never exit 0 with an unusable workbook
    if summary:
        _out(summary)
    _out(f"已写入{'报告 JSON' if output_suffix(args.output) == '.json' else '工作簿'}：{args.output}")
    return 0


@command("new", "开始新一年的工作簿（从上年工作簿结转）")
def cmd_new(args) -> int:
    from .newyear import new_year
    from .sources import load_report
    from .workbook.writer import write_workbook

    if args.year is not None and not 2019 <= args.year <= 2100:
        raise InputError(Problem("new-year", f"报告年度 {args.year} 不合理", expected="四位年份，如 2025",
                                 fix="用 --year 给出报告所属的年度"))
    if not args.prior and not (args.agency and args.year):
        raise InputError(Problem("new-args", "需要 --prior 上年工作簿，或同时给出 --agency 和 --year",
                                 fix="例如：nianbao new --prior 2023.xlsx -o 2024.xlsx"))
    output_file(args.output, ".xlsx", force=args.force, inputs=(args.prior,))
    prior = load_report(args.prior, documents=True, accept_uncertain=False) if args.prior else None
    report = new_year(prior, args.agency, args.year, args.kind)
    write_workbook(report, args.output, prior=prior)
    _out(f"已生成 {report.meta.get('year') or ''} 年度工作簿：{args.output}")
    if prior is not None:
        _out("已结转：机关信息、工作指标名称（上年数值作参考）、二、上年结转（取上年四、结转下年度继续办理）。"
             "正文文字不结转，请按本年实际重新撰写。")
    return 0


@command("check", "校验工作簿（或报告 JSON、已发布报告）中的数字")
def cmd_check(args) -> int:
    from .check import run_checks
    from .sources import check_prior, load_report

    if args.output:
        output_file(args.output, ".xlsx", force=args.force, inputs=(args.source, args.prior),
                    replaceable=_is_annotated_copy)
    report = load_report(args.source, accept_uncertain=args.accept_uncertain)
    prior = load_report(args.prior, accept_uncertain=args.accept_uncertain) if args.prior else None
    for warning in check_prior(report, prior, args.prior):
        print(warning, file=sys.stderr)
    if args.own and not args.children:
        raise InputError(Problem("own-without-children", "--own 只能与 --children 一起使用",
                                 fix="例如：nianbao check 汇总.xlsx --children 各部门/ --own 本级.xlsx"))
    if args.children:
        from .check.rules.children import load_children, with_children

        children = load_children(args.children, own=args.own, year=report.year, parent=args.source)
        with with_children(children):
            result = run_checks(report, prior=prior)
        print(f"与 {len(children.reports)} 个下级单位" + ("及本级" if children.own else "") + "的报告逐格核对（规则 G6）"
              + (f"；{len(children.missing)} 份未能计入" if children.missing else ""), file=sys.stderr)
    else:
        result = run_checks(report, prior=prior)
    if args.output:
        from .check.annotate import write_annotated

        if Path(args.source).suffix.lower() != ".xlsx":
            from .workbook.writer import write_workbook
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                base = Path(tmp) / "source.xlsx"
                write_workbook(report, base)
                write_annotated(base, result, args.output)
        else:
            write_annotated(args.source, result, args.output)
    if args.json:
        import json

        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _out(result.render_text())
        if args.output:
            _out(f"已写出标注副本：{args.output}（原工作簿未改动）")
    return 1 if result.has_errors else 0


@command("rollup", "汇总各下级单位的报告：表二、三、四逐格相加，生成汇总工作簿")
def cmd_rollup(args) -> int:
    from .inputs import collect_workbooks
    from .rollup import build_rollup, is_rollup_workbook, write_rollup

    # a folder's workbooks are inputs too: never write over one, even with --force
    found, _ = collect_workbooks(args.inputs)
    output_file(args.output, ".xlsx", force=args.force, inputs=(*found, *args.inputs, args.own),
                replaceable=is_rollup_workbook)
    rollup = build_rollup(args.inputs, agency=args.agency, year=args.year, own=args.own,
                          allow_errors=args.allow_errors)
    for line in rollup.skipped:
        print(line, file=sys.stderr)
    write_rollup(rollup, args.output)
    own = sum(p.role == "本级" for p in rollup.parts)
    _out(f"已汇总 {len(rollup.parts) - own} 个下级单位" + ("及本级" if own else "")
         + f"的 {rollup.report.year} 年度报告：{args.output}（“汇总范围”表列出每个机关）")
    for note in rollup.notes:
        _out(f"  说明：{note}")
    _out(f"下一步：nianbao check {args.output}；改动汇总表后可用 nianbao check {args.output} --children …"
         " 与各单位的报告逐格核对")
    return 0


def _today(text: str | None):
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(Problem("today", f"日期“{text}”无法识别", expected="如 2025-01-20",
                                 fix="按“年-月-日”写 --today")) from None


@command("board", "生成进度看板 board.html：各机关状态、公布时限、问题和指标对比")
def cmd_board(args) -> int:
    from .board import write_board

    path = write_board(args.outroot, today=_today(args.today), roster=args.roster, force=args.force,
                       require_jobs=True)
    _out(f"进度看板：{path}（用浏览器打开）")
    return 0


@command("remind", "给逾期、有错误或尚未报送的机关起草（--send 时发送）催办邮件")
def cmd_remind(args) -> int:
    from .remind import remind

    outcome = remind(args.outroot, today=_today(args.today), roster=args.roster, send=args.send,
                     config=args.config)
    _out(outcome.render())
    # --send asked for delivery: a failure, or no server to send with, is exit 4 (as for mail / run --mail-to)
    return 4 if outcome.failed or (args.send and outcome.drafted and not outcome.configured) else 0


@command("rules", "列出全部校验规则")
def cmd_rules(args) -> int:
    from .check import list_rules

    rows = list_rules()
    if args.json:
        import json

        sys.stdout.write(json.dumps([r if isinstance(r, dict) else vars(r) for r in rows],
                                    ensure_ascii=False, indent=2, default=str) + "\n")
        return 0
    for r in rows:
        _out(f"{r['id']:<4}{r['title']}\n    级别：{r['severity_zh']}\n    {r['formula']}"
             + (f"\n    适用范围：{r['applies']}" if r["applies"] else ""))
    return 0


@command("run", "运行年报作业：校验、与上年对比、生成报告（Word / 网页 / PDF）")
def cmd_run(args) -> int:
    from .job import run_job
    from .nbparams import parse_assignments
    from .procs import on_terminate

    on_terminate()
    formats = [f.strip().lower() for f in re.split(r"[,，、]", args.formats) if f.strip()]   # "PDF，docx" too
    if args.fonts:          # the notebook kernel inherits it; the PDF conversion reads it
        from .render.fonts import FONTS_ENV, fonts_dir

        os.environ[FONTS_ENV] = str(fonts_dir(args.fonts))
    result = run_job(args.workbook, prior=args.prior, output_dir=args.output, formats=formats,
                     strict=not args.no_strict, mail_to=args.mail_to, send=bool(args.mail_to) or args.send,
                     progress=not args.quiet, notebook=args.notebook, params=parse_assignments(args.param),
                     force=args.force)
    _out(result.render())
    return result.exit_code


@command("notebook", "写出一份可修改的年报笔记本（默认参数指向示例工作簿，可在 JupyterLab 中直接“全部运行”）")
def cmd_notebook(args) -> int:
    from .nbparams import editable_copy

    path = editable_copy(args.output, force=args.force, workbook=args.workbook, prior=args.prior)
    _out(f"已写出笔记本：{path.resolve()}\n用 JupyterLab 打开后可直接“全部运行”（输出在同一文件夹的 out 中）；"
         f"改好后用 nianbao run 工作簿.xlsx --prior 上年.xlsx --notebook {path} 运行。")
    return 0


@command("batch", "批量运行多个机关的年报作业，并生成进度汇总表")
def cmd_batch(args) -> int:
    from .procs import on_terminate

    on_terminate()                   # first: a SIGTERM from now on ends the batch with a message, not silently
    try:
        return _batch(args)
    except (KeyboardInterrupt, SystemExit) as e:      # before any job was planned: nothing written
        code = _interrupt_code(e)
        print(("已中断。" if code == 130 else "已中断（收到终止信号）。")
              + "还没有开始任何机关的作业；输出文件夹中原有的 status.csv 和 board.html（如有）保持不变。", file=sys.stderr)
        return code


def _interrupt_code(e: BaseException) -> int:
    """130 for Ctrl-C (KeyboardInterrupt), else SystemExit's code (143 for SIGTERM)."""
    if isinstance(e, KeyboardInterrupt):
        return 130
    return e.code if isinstance(e.code, int) else 143


def _batch(args) -> int:
    """``nianbao batch``; KeyboardInterrupt / SystemExit escape only while
    nothing is planned (then nothing is written)."""
    import threading

    from .batch import (STATUS_ZH, closing_behind, default_workers, own_pool, plan, run_batch, status_board,
                        warm_start, warm_tables)
    import contextlib
    from .fsutil import atomic_write_text
    from .csvout import csv_text
    from .outputs import output_dir

    from .inputs import collect_workbooks
    from .job import _checked_notebook
    from .nbparams import parse_assignments, typed_params

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if "pdf" in formats and args.scheduler in (None, "local"):   # said once, before anything starts
        _need_soffice()
    skip = {Path(p).resolve() for p in (args.parent, args.own) if p}
    workbooks, skipped = collect_workbooks(args.workbooks)
    workbooks = [w for w in workbooks if w.resolve() not in skip]
    for line in skipped:
        print(line, file=sys.stderr)
    if not workbooks:
        raise _no_workbooks(args.workbooks)
    outroot = output_dir(args.output)
    from .board import BOARD, is_board

    # the batch's own tables may be replaced; a user's file of the same name only with --force
    output_file(outroot / "status.csv", ".csv", force=args.force, replaceable=_is_status_csv)
    output_file(outroot / BOARD, ".html", force=args.force, replaceable=is_board)
    notebook = _checked_notebook(args.notebook)
    params = typed_params(notebook, parse_assignments(args.param))
    if args.own and not args.parent:
        raise InputError(Problem("own-without-parent", "--own 只能与 --parent 一起使用",
                                 fix="例如：nianbao batch 各部门/ -o out/2024 --parent 汇总.xlsx --own 本级.xlsx"))
    jobs: list = []
    finished: dict[str, dict] = {}                # workbook -> summary, as each job ends
    interrupted = 0
    try:
        with contextlib.ExitStack() as stack:
            # our own pool: its kernel template and LibreOffice boot while the workbooks are read,
            # its workers start (and set themselves up) while the jobs are planned
            warm = None if args.scheduler else stack.enter_context(warm_start(pdf="pdf" in formats))
            parent = None
            if args.parent:                  # read before any job starts: a bad parent is bad input
                from .sources import load_report

                parent = load_report(args.parent)
            pool = None
            if warm is not None:
                pool = stack.enter_context(own_pool(default_workers(len(workbooks), args.workers), warm.pdf, warm,
                                                    slots=len(workbooks)))
            jobs = plan(workbooks, outroot, args.prior_dir, formats, notebook=notebook if args.notebook else None,
                        params=params)
            for job in jobs:
                if args.prior_dir and not job.prior:
                    print(f"  {Path(job.workbook).name}：没有找到上年工作簿，不做跨年度校验和对比", file=sys.stderr)

            # while the jobs run, so the tail does not wait for pandas; in a thread, which a
            # SIGTERM (raised in the main thread) cannot interrupt halfway through an import
            threading.Thread(target=warm_tables, daemon=True, name="nianbao-warm-tables").start()

            def done(summary: dict) -> None:
                finished[_same_file(summary.get("workbook"))] = summary
                name = summary.get("agency") or Path(summary.get("workbook") or "").name
                print(f"  {name}：{STATUS_ZH.get(summary.get('status'), summary.get('status'))}", file=sys.stderr)

            if args.scheduler:
                from .cluster import executor

                with executor(args.scheduler, workers=args.workers) as ex:
                    results = run_batch(jobs, executor=ex, on_done=done)
            else:
                results = run_batch(jobs, executor=pool, max_workers=args.workers, on_done=done, warm=warm)
            ending = stack.pop_all()         # LibreOffice, the template, the pool end while the tables are written
    except (KeyboardInterrupt, SystemExit) as e:   # Ctrl-C or SIGTERM (procs.on_terminate) while jobs ran
        if not jobs:
            raise
        interrupted = _interrupt_code(e)
        ran = getattr(e, "results", None) or []      # run_batch's: every job's summary
        results = [(ran[i] if i < len(ran) else None) or finished.get(_same_file(j.workbook))
                   or _not_run(j) for i, j in enumerate(jobs)]
        ending = contextlib.ExitStack()
    with closing_behind(ending):
        board = status_board(r if r.get("outdir") else r | {"outdir": j.output_dir} for r, j in zip(results, jobs))
        # with a BOM, so Excel on Windows opens the Chinese columns correctly
        atomic_write_text(outroot / "status.csv", csv_text(board))
        _out(board.drop(columns=["文件夹"]).fillna("").to_string(index=False))
        _out(f"汇总表：{outroot / 'status.csv'}")
        from .board import write_board

        _out(f"进度看板：{write_board(outroot)}")
        worst = max((r.get("exit_code", 3) for r in results), default=0)
        if interrupted:
            if interrupted != 130:
                print("已中断（收到终止信号）。", file=sys.stderr)
            print(_interrupted_summary(results), file=sys.stderr)
            return interrupted
        if parent is not None:
            worst = max(worst, _check_parent(parent, args.parent, workbooks, args.own, outroot))
    return worst


def _need_soffice() -> None:
    """A batch that is to make PDFs needs LibreOffice: refused at once
    (``InputError``, exit 2, as ``nianbao run`` refuses) instead of every
    agency failing on its own."""
    from .render.pdf import find_soffice, no_soffice

    if find_soffice() is None:
        raise InputError(no_soffice().problems)


def _no_workbooks(paths: list[str]) -> InputError:
    """The error for a batch given no workbook at all (an empty folder, only other files)."""
    return InputError(Problem(
        "batch-no-workbooks", "没有找到工作簿（.xlsx）：" + "、".join(f"“{p}”" for p in paths) + " 中没有可运行的工作簿，"
        "批量作业未开始，也没有写出 status.csv 和 board.html",
        expected="各机关填好的标准工作簿 .xlsx，或存放它们的文件夹（含子文件夹）",
        fix="检查给出的文件夹是否正确、工作簿是否已放入（.xls、.et 等请先在 Excel/WPS 中另存为 .xlsx）"))


def _interrupted_summary(results: list[dict]) -> str:
    """The interrupted batch's closing line: how many agencies have a result, how many were
    stopped while running, how many did not run."""
    from .batch import STATUS_ZH

    left = sum(r.get("status") == "interrupted" for r in results)
    stopped = sum(r.get("status") == "stopped" for r in results)
    text = f"批量已中断：{len(results) - left - stopped} 个机关已有结果，"
    if stopped:
        text += f"{stopped} 个运行中被强行结束（汇总表中为“{STATUS_ZH['stopped']}”），"
    return text + f"{left} 个未运行（汇总表中为“{STATUS_ZH['interrupted']}”）。重新运行同一命令即可补做。"


def _same_file(path) -> str:
    return os.path.realpath(path) if path else ""


def _not_run(job) -> dict:
    """The row of a job the interrupted batch never handed to a worker."""
    from .batch import NOT_RUN, _row

    return _row(job, "interrupted", NOT_RUN)


def _check_parent(parent, parent_path: str, children: list[Path], own: str | None, outroot: Path) -> int:
    """``batch --parent``: rule G6 on the 汇总 report against this batch's
    workbooks (plus ``--own``); findings in OUTROOT/parent-checks.json."""
    from .check import run_checks
    from .check.rules.children import load_children, with_children
    from .fsutil import atomic_write_json

    parts = load_children(children, own=own, year=parent.year, parent=parent_path)
    with with_children(parts):
        result = run_checks(parent, rules=["G6"])
    path = atomic_write_json(outroot / "parent-checks.json", result.to_dict())
    _out(f"汇总报告“{parent.agency}”与本批 {len(parts.reports)} 个下级单位" + ("及本级" if parts.own else "")
         + "逐格核对（规则 G6）：" + (f"{len(result.findings)} 处不一致" if result.findings else "一致")
         + (f"；{len(parts.missing)} 份未能计入" if parts.missing else "") + f"。详见 {path}")
    for f in result.findings[:10]:
        _out(f"  {f.message}")
    return 1 if result.has_errors else 0


@command("mail", "发送（或重新发送）已完成的签发包")
def cmd_mail(args) -> int:
    from .signoff import load_settings, send_package
    from .signoff.addresses import check_addresses, split_addresses

    if args.example_config:
        from .signoff.smtp import EXAMPLE_CONFIG

        sys.stdout.write(EXAMPLE_CONFIG)
        return 0
    if not args.outdir:
        raise InputError(Problem("mail-args", "没有给出签发包文件夹", expected="nianbao run 的输出文件夹",
                                 fix="例如：nianbao mail out/示例市市场监督管理局-2024"))
    if args.to and not split_addresses(args.to):
        raise InputError(Problem("mail-to-empty", "--to 没有给出任何邮箱地址", expected="如 leader@example.gov.cn",
                                 fix="写上收件人的邮箱地址，或去掉 --to（发给签发包中记录的收件人）"))
    args.to = split_addresses(args.to)
    check_addresses(args.to, what="--to 给出的收件人", fix="用 --to 给出一个正确的邮箱地址（可重复 --to）")
    settings = load_settings(args.config)
    if settings is not None and settings.mail_from:
        check_addresses([settings.mail_from], what="发件人地址（NIANBAO_MAIL_FROM 或邮件设置文件中的 from）",
                        file=args.config, fix="改为一个正确的邮箱地址")
    outcome = send_package(args.outdir, args.to or None, settings)
    _out(outcome.render() if hasattr(outcome, "render") else str(outcome))
    return 0


@command("verify", "核对文件是否与签发时的清单一致")
def cmd_verify(args) -> int:
    from .signoff import verify

    result = verify(args.path) if not args.manifest else verify(args.path, manifest=args.manifest)
    _out(result.render())
    return result.exit_code


def _is_export_of(path: Path, report) -> bool:
    """An earlier export of the same agency-year may be replaced; any other
    file may not (report JSON is also an input: another year, a sample …)."""
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(data, dict) and data.get("format") == report.format.key
            and data.get("agency") == report.agency and data.get("year") == report.year)


def _is_blank_template(path: Path) -> bool:
    """A blank template (every input cell empty) may be replaced; a workbook
    with anything filled in may not."""
    try:
        import openpyxl

        from .workbook import layout

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            for place in layout.places().values():
                if place.sheet not in wb.sheetnames:
                    return False
                if wb[place.sheet][place.coord].value not in (None, ""):
                    return False
        finally:
            wb.close()
        return True
    except Exception:
        return False


def _is_status_csv(path: Path) -> bool:
    """A status.csv an earlier batch wrote (its header), which may be
    replaced; so may one holding nothing but a BOM and blank lines (an
    empty batch of an earlier version wrote such a file)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.startswith("\ufeff机关,年度,状态") or (len(head) < 4096 and not head.lstrip("\ufeff").strip())


def _is_annotated_copy(path: Path) -> bool:
    """An earlier annotated copy (it has a 校验结果 sheet) may be replaced."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return "校验结果" in z.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = _Parser(prog="nianbao", description="年报：政府信息公开工作年度报告的填报、校验、生成与签发。\n"
                "按 国办公开办函〔2021〕30号 的统一格式。",
                epilog="退出码：0 成功；1 数字有错误（或文件在签发后被改动）；2 输入有误；\n"
                       "3 作业某一步出错；4 邮件未能发送；70 内部错误；\n"
                       "130 被 Ctrl-C 中断；143 被终止（SIGTERM）。\n"
                       "每个命令的详细用法：nianbao 命令 -h")
    p.add_argument("--version", action="version", version=f"nianbao {__version__}", help="显示版本号")
    sub = p.add_subparsers(dest="command", metavar="命令", title="命令", parser_class=_Parser)
    sub.required = True

    def add(name: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=COMMANDS[name][0], description=COMMANDS[name][0])

    s = add("template")
    s.add_argument("-o", "--output", default="templates/report.xlsx", help="输出路径（默认 templates/report.xlsx）")
    s.add_argument("--force", action="store_true", help="输出文件已存在时覆盖（未填写的空白模板会直接替换）")

    s = add("export")
    s.add_argument("workbook", help="标准工作簿 .xlsx（或报告 JSON）")
    s.add_argument("-o", "--output", help="输出的 JSON 文件；不给则输出到屏幕")
    s.add_argument("--force", action="store_true", help="输出文件已存在时覆盖（同一机关同一年度以前导出的 JSON 会直接替换）")

    s = add("import")
    s.add_argument("source", help="报告 JSON，或已发布报告 .txt .html .docx .pdf")
    s.add_argument("-o", "--output", required=True,
                   help="要生成的工作簿 .xlsx（或报告 JSON .json：2019 年格式的报告只能导出为 JSON）")
    s.add_argument("--accept-uncertain", action="store_true", help="导入结果有不确定之处时仍然写出（会逐条提示）")
    s.add_argument("--prior", help="上年的报告（工作簿、报告 JSON 或已发布报告）：连在一起的表二数字可按“上年现行有效 + 制发 − 废止 = 本年现行有效”拆分")
    s.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    s = add("new")
    s.add_argument("--prior", help="上年的工作簿（或报告 JSON、已发布报告）")
    s.add_argument("--agency", help="机关全称（没有上年工作簿时）")
    s.add_argument("--year", type=int, help="报告年度，如 2024")
    s.add_argument("--kind", choices=("部门", "人民政府"), help="机关类型")
    s.add_argument("-o", "--output", required=True, help="要生成的工作簿 .xlsx")
    s.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    s = add("check")
    s.add_argument("source", help="工作簿 .xlsx、报告 JSON，或已发布报告 .txt .html .docx .pdf")
    s.add_argument("--prior", help="上年的工作簿（启用跨年度规则 E1–E4、B2）")
    s.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    s.add_argument("-o", "--output", help="写出标注了问题单元格的工作簿副本（.xlsx）")
    s.add_argument("--force", action="store_true", help="输出文件已存在时覆盖（以前的标注副本会直接替换）")
    s.add_argument("--accept-uncertain", action="store_true", help="导入已发布报告时接受不确定的结果")
    s.add_argument("--children", nargs="+", metavar="下级工作簿或文件夹",
                   help="把本报告作为汇总报告，与这些下级单位的报告逐格核对（规则 G6）")
    s.add_argument("--own", help="与 --children 同用：本级单独填报的工作簿（计入各单位之和）")

    s = add("rollup")
    s.add_argument("inputs", nargs="+", metavar="工作簿或文件夹",
                   help="各下级单位本年度的工作簿 .xlsx，或存放它们的文件夹（递归查找，跳过 ~$ 临时文件）")
    s.add_argument("-o", "--output", required=True, help="要生成的汇总工作簿 .xlsx")
    s.add_argument("--agency", help="汇总报告的机关全称，如“示例市人民政府”（默认取 --own 的机关）")
    s.add_argument("--year", type=int, help="报告年度（默认取各工作簿的年度，须一致）")
    s.add_argument("--own", help="本级单独填报的工作簿（一并计入）")
    s.add_argument("--allow-errors", action="store_true", help="有数字错误的报告也计入（在“汇总范围”表中标明）")
    s.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    s = add("rules")
    s.add_argument("--json", action="store_true", help="以 JSON 输出")

    s = add("board")
    s.add_argument("outroot", help="nianbao batch 的输出总文件夹（每个机关一个子文件夹）")
    s.add_argument("--roster", help="应报送机关名单 CSV（列：机关,类型,联系邮箱,截止日期），用于列出尚未报送的机关")
    s.add_argument("--today", help="按哪一天计算剩余天数（默认今天），如 2025-01-20")
    s.add_argument("--force", action="store_true", help="总文件夹中已有不是 nianbao 生成的 board.html 时仍然覆盖")

    s = add("remind")
    s.add_argument("outroot", help="nianbao batch 的输出总文件夹")
    s.add_argument("--roster", help="应报送机关名单 CSV（列：机关,类型,联系邮箱,截止日期）")
    s.add_argument("--send", action="store_true", help="通过邮件服务器发送（不加时只起草 .eml）")
    s.add_argument("--config", help="邮件设置文件（密码只能用环境变量 NIANBAO_SMTP_PASSWORD）")
    s.add_argument("--today", help="按哪一天判断是否逾期（默认今天），如 2025-02-03")

    s = add("run")
    s.add_argument("workbook", help="本年度的标准工作簿 .xlsx")
    s.add_argument("--prior", help="上年的工作簿（用于跨年度校验和对比图表）")
    s.add_argument("-o", "--output", default=None, help="输出文件夹（默认 out/机关-年度）")
    s.add_argument("--formats", default="docx,html,pdf", help="报告格式，逗号分隔：docx,html,pdf（默认全部）")
    s.add_argument("--no-strict", action="store_true", help="数字有错误时仍生成报告（不建议）")
    s.add_argument("--mail-to", action="append", default=[], metavar="邮箱", help="签发人邮箱（可重复；默认取工作簿基本信息）")
    s.add_argument("--send", action="store_true", help="按工作簿中的签发人邮箱发送签发邮件")
    s.add_argument("--notebook", help="用自己修改过的笔记本代替 notebooks/annual_report.ipynb")
    s.add_argument("--fonts", metavar="文件夹", help="本单位已授权字体（方正小标宋简体、仿宋_GB2312 等）所在文件夹，用于生成 PDF（也可设环境变量 NIANBAO_FONTS）")
    s.add_argument("--param", action="append", default=[], metavar="名称=值",
                   help="笔记本的其他参数（可重复；按参数单元格声明的类型转换，如 --param 期限=15）")
    s.add_argument("--force", action="store_true", help="输出文件夹中已有另一个机关或年度的签发包时仍然运行（替换它）")
    s.add_argument("-q", "--quiet", action="store_true", help="不显示进度条")

    s = add("notebook")
    s.add_argument("-o", "--output", required=True, help="要写出的笔记本 .ipynb")
    s.add_argument("--workbook", help="默认参数中的本年工作簿（默认为示例机关 2024 年）")
    s.add_argument("--prior", help="默认参数中的上年工作簿")
    s.add_argument("--force", action="store_true", help="文件已存在时覆盖")

    s = add("batch")
    s.add_argument("workbooks", nargs="+", metavar="工作簿或文件夹",
                   help="各机关本年度的工作簿 .xlsx，或存放它们的文件夹（含子文件夹；跳过 Office 锁文件 ~$*.xlsx 和非工作簿，各提示一行）")
    s.add_argument("-o", "--output", required=True,
                   help="输出总文件夹；每个机关一个子文件夹，另有汇总表 status.csv 和进度看板 board.html")
    s.add_argument("--prior-dir", help="上年工作簿所在文件夹（含子文件夹）：按机关和上一年度对应，找不到时按相同文件名")
    s.add_argument("--formats", default="docx,html,pdf", help="报告格式，逗号分隔（默认 docx,html,pdf）")
    s.add_argument("--workers", type=int, help="同时运行的作业数（默认为 CPU 核数；--scheduler local 时为本机 Dask 工作进程数）")
    s.add_argument("--scheduler", metavar="地址",
                   help="在 Dask 集群上运行：调度器地址（如 tcp://10.0.0.5:8786），或 local 在本机临时启动（需安装 .[cluster]）")
    s.add_argument("--notebook", help="所有机关都用这个修改过的笔记本代替 notebooks/annual_report.ipynb")
    s.add_argument("--param", action="append", default=[], metavar="名称=值", help="笔记本的其他参数（可重复）")
    s.add_argument("--parent", metavar="汇总报告",
                   help="本级政府的汇总报告（工作簿、报告 JSON 或已发布的报告）：批量完成后按规则 G6 与本批各机关之和逐格核对，"
                        "结果写入 parent-checks.json")
    s.add_argument("--own", metavar="本级.xlsx", help="与 --parent 同用：本级单独填报的工作簿（计入各单位之和）")
    s.add_argument("--force", action="store_true", help="总文件夹中已有不是 nianbao 生成的 status.csv 或 board.html 时仍然覆盖")

    s = add("mail")
    s.add_argument("outdir", nargs="?", help="nianbao run 的输出文件夹")
    s.add_argument("--to", action="append", default=[], metavar="邮箱", help="收件人（可重复；默认取签发包中的）")
    s.add_argument("--config", help="邮件设置文件（默认 ~/.config/nianbao/mail.toml；密码只能用环境变量 NIANBAO_SMTP_PASSWORD）")
    s.add_argument("--example-config", action="store_true", help="显示一份带说明的邮件设置文件示例（mail.toml）并退出")

    s = add("verify")
    s.add_argument("path", help="签发包文件夹，或其中的某个文件")
    s.add_argument("--manifest", help="清单文件 manifest.json（默认在文件夹中查找）")
    return p


def entry() -> None:
    """The ``nianbao`` console command (after ``entry.main``, which may
    launch a run's kernel first): ``main()``, then a quick exit
    (``procexit.exit_now``)."""
    from .procexit import exit_now

    from .procs import ending

    code = main()
    ending()                         # the clean-ups at exit are not to be broken by Ctrl-C or SIGTERM
    exit_now(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:                    # said by the command's own parser: its usage, not the top level's
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            sub.choices[args.command].error(f"不认识的参数：{' '.join(extra)}")
    except SystemExit as e:          # usage errors and --help: exit code, no traceback
        return int(e.code or 0)
    try:
        return COMMANDS[args.command][1](args)
    except NianbaoError as e:
        result = getattr(e, "result", None)      # an uncertain import: show what was found
        if result is not None and hasattr(result, "render_summary"):
            print(result.render_summary(), file=sys.stderr)
        print(e.render(), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except SystemExit as e:          # SIGTERM (procs.on_terminate) after the clean-ups on the way here
        if e.code == 128 + signal.SIGTERM:
            print("已终止（收到结束信号）。", file=sys.stderr)
            return e.code
        raise
    except BrokenPipeError:          # output piped into head/less that closed early
        return 0
    except OSError as e:             # a file we could not read or write: the user can act on it
        if os.environ.get("NIANBAO_DEBUG"):
            raise
        print(os_error_problem(e).render(), file=sys.stderr)
        return 2
    except Exception as e:  # an internal fault: say so plainly, details on request
        if os.environ.get("NIANBAO_DEBUG"):
            raise
        print(f"nianbao 内部错误（{type(e).__name__}: {e}）。这不是您的输入造成的；"
              f"设置环境变量 NIANBAO_DEBUG=1 后重试可看到详细信息，请转给维护人员。", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
