"""The 政务公开办's status board: who is late, who is wrong, who is done.

``write_board(outroot)`` reads every job's ``results.json`` under OUTROOT
(one folder per agency, as ``nianbao batch`` makes them) and writes
``OUTROOT/board.html``: one self-contained page (inline CSS and SVG, no
script, no external resource) with, problems first, every agency's status,
findings by severity, key figures, days left to its deadline and links to its
report and checks.xlsx; then charts and a table across agencies.

Statuses (``STATUSES``, in board order):

- 有错误 — the job failed, the input was unusable, or the figures have errors;
- 待填报 — an agency on the roster (``--roster 名单.csv``) with no job yet;
- 已生成 — the report was made; 已签发 — the sign-off mail was sent
  (``mail-sent.json``); 已发布 — the job folder records publication
  (``published.json``, or ``"published"`` in results.json).

Deadlines (《政府信息公开条例》第四十九条): 31 January for departments,
31 March for a people's government's own report, of the year after the
report year; an earlier local date comes from the workbook (本地公布时限),
the roster, or ``deadlines`` (``{"部门": (1, 25)}``). ``today`` is injectable.

Indicators across agencies (the ones reviewers compare):
实质公开率 = (予以公开 + 部分公开) / 办理结果总数; 无法提供占比 = 无法提供 / 办理结果总数;
复议纠错率 = 复议纠正 / 复议总数; 诉讼纠错率 = 诉讼纠正 / 诉讼总数 (直接起诉 + 复议后起诉);
结转率 = 结转下年度 / (新收 + 上年结转). A denominator of 0 gives no rate ("—").
"""
from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import Iterable

from .errors import InputError, Problem

BOARD = "board.html"
RESULTS = "results.json"
PUBLISHED = "published.json"
MAIL_LOG = "mail-sent.json"

ERRORS, TODO, MADE, SIGNED, PUBLISHED_ZH = "有错误", "待填报", "已生成", "已签发", "已发布"
STATUSES = (ERRORS, TODO, MADE, SIGNED, PUBLISHED_ZH)
DEFAULT_DEADLINES = {"部门": (1, 31), "人民政府": (3, 31)}

#: Outcome groups of table 三 (figures.FIGURES names), for the outcome mix.
OUTCOMES = (("予以公开", "予以公开数"), ("部分公开", "部分公开数"), ("不予公开", "不予公开数"),
            ("无法提供", "无法提供数"), ("不予处理", "不予处理数"), ("其他处理", "其他处理数"))
OUTCOME_COLOURS = ("#2e7d32", "#81c784", "#ef6c00", "#8d6e63", "#9e9e9e", "#5c6bc0")


@dataclass
class AgencyState:
    """One agency's line on the board (and the input to reminders)."""

    agency: str
    status: str
    kind: str = "部门"
    year: int | None = None
    folder: Path | None = None
    workbook: str | None = None
    deadline: date | None = None
    days_left: int | None = None
    findings: dict = field(default_factory=dict)        # error / warning / info counts
    problems: list[str] = field(default_factory=list)   # what is wrong or missing, in Chinese
    figures: dict = field(default_factory=dict)         # figure name -> value
    links: dict = field(default_factory=dict)           # label -> path relative to OUTROOT
    contacts: list[str] = field(default_factory=list)   # e-mail addresses to remind
    job_failed: bool = False      # the job failed or a batch stopped it (not the agency's doing): to rerun

    @property
    def late(self) -> bool:
        return self.days_left is not None and self.days_left < 0 and self.status in (ERRORS, TODO, MADE)

    def rate(self, num: Iterable[str], den: Iterable[str]) -> float | None:
        d = sum(self.figures.get(k) or 0 for k in den)
        return None if not d else sum(self.figures.get(k) or 0 for k in num) / d

    @property
    def rates(self) -> dict[str, float | None]:
        return {"实质公开率": self.rate(("予以公开数", "部分公开数"), ("办理结果总数",)),
                "无法提供占比": self.rate(("无法提供数",), ("办理结果总数",)),
                "复议纠错率": self.rate(("复议纠正数",), ("行政复议总数",)),
                "诉讼纠错率": self.rate(("诉讼纠正数",), ("行政诉讼总数",)),
                "结转率": self.rate(("结转下年度申请数",), ("新收申请总数", "上年结转申请数"))}


# --- reading ---------------------------------------------------------------------

def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


#: Board figures of workbooks read earlier in this process (``remember``):
#: real path -> ((mtime_ns, size), figures, meta).
_known: dict[str, tuple[tuple[int, int], dict, dict]] = {}


def _stamp(path: str | os.PathLike) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _report_figures(report) -> tuple[dict, dict]:
    """The board's figures of one report (``figures.FIGURES``, 复议纠正数,
    诉讼纠正数) and its meta."""
    from .figures import FIGURES

    figures = {f.name: f.value(report) for f in FIGURES}
    figures["复议纠正数"] = report.num("appeals.review.corrected")
    figures["诉讼纠正数"] = report.num("appeals.litigation_direct.corrected") + \
        report.num("appeals.litigation_after_review.corrected")
    return figures, dict(report.meta)


def remember(workbook: str | os.PathLike, report) -> None:
    """Keep the board's figures of a workbook this process has just read
    (``batch.plan`` reads every one anyway), so that ``write_board`` at the
    batch's end does not read it again; they are used only while the file
    is unchanged (same modification time and size), else it is read anew."""
    stamp = _stamp(workbook)
    if stamp is not None:
        _known[os.path.realpath(workbook)] = (stamp, *_report_figures(report))


def known_meta(workbook: str | os.PathLike | None) -> dict:
    """The meta (agency, year …) of a workbook ``remember``ed in this
    process and unchanged since; {} otherwise (nothing is read)."""
    known = _known.get(os.path.realpath(workbook)) if workbook else None
    return dict(known[2]) if known is not None and known[0] == _stamp(workbook) else {}


def _figures_of(workbook: str | None, summary: dict) -> tuple[dict, dict]:
    """All board figures from the agency's workbook (read again, or as
    ``remember``ed: results.json holds only the key figures), else the key
    figures. Also its meta."""
    figures = {k.get("name"): k.get("value") for k in summary.get("key_figures") or [] if isinstance(k, dict)}
    meta: dict = {}
    if workbook and Path(workbook).is_file():
        known = _known.get(os.path.realpath(workbook))
        if known is not None and known[0] == _stamp(workbook):
            full, meta = dict(known[1]), dict(known[2])
        else:
            try:
                from .sources import load_report

                report = load_report(workbook, documents=False)
            except Exception:          # the job has already said what is wrong with it
                return figures, meta
            full, meta = _report_figures(report)
        figures.update(full)
    return figures, meta


def _deadline(year: int | None, kind: str, override, deadlines: dict) -> date | None:
    if not year:
        return None
    month, day = override or deadlines.get(kind) or DEFAULT_DEADLINES.get(kind) or DEFAULT_DEADLINES["部门"]
    return date(year + 1, int(month), int(day))


def _status(summary: dict, folder: Path) -> str:
    status = summary.get("status")
    if status != "ok" or (summary.get("findings") or {}).get("error"):
        return ERRORS
    if summary.get("published") or (folder / PUBLISHED).is_file():
        return PUBLISHED_ZH
    if (folder / MAIL_LOG).is_file():
        return SIGNED
    return MADE


def _problems(summary: dict) -> list[str]:
    out = []
    for p in summary.get("problems") or []:
        if isinstance(p, dict):
            where = "，".join(x for x in (Path(p.get("file") or "").name, p.get("sheet"), p.get("cell")) if x)
            out.append(f"{where}：{p.get('message')}" if where else str(p.get("message")))
    if summary.get("status") == "failed":
        out.append("作业出错：" + str(summary.get("error") or "原因见 results.json").splitlines()[0])
    elif summary.get("status") == "stopped":         # written by an interrupted batch (batch._recorded)
        out.append("作业被中断：" + str(summary.get("error") or "原因见 results.json").splitlines()[0])
    errors = (summary.get("findings") or {}).get("error")
    if errors:
        out.append(f"数字有 {errors} 项错误，见 checks.xlsx（出错的单元格标红并有批注）")
    return out


def parse_monthday(text: str) -> tuple[int, int] | None:
    """"1月25日", "01-25", "2025-01-25" -> (1, 25); None if blank or unreadable."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    m = re.fullmatch(r"(?:\d{4}\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass
class RosterEntry:
    agency: str
    kind: str = "部门"
    contacts: list[str] = field(default_factory=list)
    deadline: tuple[int, int] | None = None


def read_roster(path: str | os.PathLike) -> list[RosterEntry]:
    """The agencies expected to report: a CSV (UTF-8, as Excel saves it
    with "CSV UTF-8") with columns 机关 (required), 类型 (部门 / 人民政府),
    联系邮箱 (several separated by ;) and 截止日期 (an earlier local date)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(Problem("roster-unreadable", f"名单文件无法读取（{type(e).__name__}）", file=str(path),
                                 expected="UTF-8 编码的 CSV 文件", fix="在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”"))
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or "机关" not in rows[0]:
        raise InputError(Problem("roster-columns", "名单文件缺少“机关”列", file=str(path),
                                 expected="第一行为列名：机关,类型,联系邮箱,截止日期", fix="按此补上第一行列名"))
    out = []
    for i, row in enumerate(rows, 2):
        name = (row.get("机关") or "").strip()
        if not name:
            continue
        kind = (row.get("类型") or "部门").strip() or "部门"
        if kind not in DEFAULT_DEADLINES:
            raise InputError(Problem("roster-kind", f"第 {i} 行“类型”为“{kind}”", file=str(path),
                                     expected="部门 或 人民政府", fix="改为“部门”或“人民政府”"))
        raw_deadline = (row.get("截止日期") or "").strip()
        deadline = parse_monthday(raw_deadline) if raw_deadline else None
        if raw_deadline and deadline is None:
            raise InputError(Problem("roster-deadline", f"第 {i} 行“截止日期”为“{raw_deadline}”，无法识别",
                                     file=str(path), expected="如 1月25日 或 2025-01-25", fix="按“几月几日”填写"))
        contacts = [a for a in re.split(r"[;；,，\s]+", row.get("联系邮箱") or "") if "@" in a]
        out.append(RosterEntry(name, kind, contacts, deadline))
    return out


def job_folders(outroot: str | os.PathLike) -> list[Path]:
    """Every folder under OUTROOT holding a results.json (hidden folders,
    e.g. a job's staging, are not looked into)."""
    root = Path(outroot)
    found = []
    for path in sorted(root.rglob(RESULTS)):
        rel = path.parent.relative_to(root)
        if not any(part.startswith(".") for part in rel.parts):
            found.append(path.parent)
    return found


def agency_states(outroot: str | os.PathLike, today: date | None = None,
                  roster: str | os.PathLike | list[RosterEntry] | None = None,
                  deadlines: dict[str, tuple[int, int]] | None = None) -> list[AgencyState]:
    """Every agency's state, problems first (有错误, 待填报, then by days left)."""
    today = today or date.today()
    deadlines = {**DEFAULT_DEADLINES, **(deadlines or {})}
    root = Path(outroot)
    if not root.is_dir():
        raise InputError(Problem("outroot-missing", "找不到批量作业的输出总文件夹", file=str(root),
                                 fix="给出 nianbao batch -o 指定的文件夹"))
    entries = roster if isinstance(roster, list) else (read_roster(roster) if roster else [])
    by_name = {e.agency: e for e in entries}
    states: list[AgencyState] = []
    for folder in job_folders(root):
        summary = _read_json(folder / RESULTS)
        if summary is None:
            states.append(AgencyState(folder.name, ERRORS, folder=folder,
                                      problems=["results.json 无法读取（作业可能正在运行或被中断）"]))
            continue
        workbook = summary.get("workbook")
        figures, meta = _figures_of(workbook, summary)
        agency = summary.get("agency") or meta.get("agency") or Path(workbook or folder.name).name
        entry = by_name.get(agency)
        kind = meta.get("agency_kind") or (entry.kind if entry else "部门")
        year = summary.get("year") or meta.get("year")
        deadline = _deadline(year, kind, (entry.deadline if entry else None) or meta.get("deadline_override"),
                             deadlines)
        findings = dict(summary.get("findings") or {})
        if summary.get("status") == "bad-input":
            findings["error"] = len(summary.get("problems") or []) or 1
        links = {}
        files = summary.get("files") or {}
        for label, key in (("PDF", "report_pdf"), ("Word", "report_docx"), ("网页", "report_html"),
                           ("校验结果", "checks_xlsx")):
            rel = files.get(key)
            if isinstance(rel, str) and (folder / rel).is_file():
                links[label] = (folder / rel).relative_to(root).as_posix()
        contacts = list(entry.contacts if entry else [])
        for addr in [meta.get("email"), *(meta.get("signoff_to") or summary.get("signoff_to") or [])]:
            if addr and "@" in str(addr) and addr not in contacts:
                contacts.append(str(addr))
        states.append(AgencyState(
            agency, _status(summary, folder), kind, year, folder, workbook, deadline,
            (deadline - today).days if deadline else None, findings, _problems(summary), figures, links, contacts,
            job_failed=summary.get("status") in ("failed", "stopped")))
    seen = {s.agency for s in states}
    years = [s.year for s in states if s.year]
    year = max(set(years), key=years.count) if years else today.year - (1 if today.month <= 6 else 0)
    for e in entries:
        if e.agency not in seen:
            deadline = _deadline(year, e.kind, e.deadline, deadlines)
            states.append(AgencyState(e.agency, TODO, e.kind, year, deadline=deadline,
                                      days_left=(deadline - today).days if deadline else None,
                                      problems=["尚未报送工作簿（批量作业中没有这个机关）"], contacts=list(e.contacts)))
    rank = {s: i for i, s in enumerate(STATUSES)}
    states.sort(key=lambda s: (rank[s.status], s.days_left if s.days_left is not None else 10**6, natural(s.agency)))
    return states


# --- drawing -----------------------------------------------------------------------

def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _num(v) -> str:
    if v is None:
        return "—"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _bar_svg(title: str, rows: list[tuple[str, float]], colour: str = "#1565c0") -> str:
    """A horizontal bar chart as inline SVG (scales with the page width)."""
    h_row, label_w, width = 30, 170, 520
    top = 8
    height = top + h_row * max(1, len(rows)) + 8
    peak = max((v for _, v in rows), default=0) or 1
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(rows):
        y = top + i * h_row
        w = (width - label_w - 60) * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 20}" text-anchor="end" class="l">{escape(label[:10])}</text>'
                     f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{h_row - 8}" fill="{colour}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 20}" class="v">{_num(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stack_svg(title: str, rows: list[tuple[str, list[float]]]) -> str:
    """Outcome mix per agency: 100 % stacked bars with a legend."""
    h_row, label_w, width = 30, 170, 520
    legend_h = 46
    height = legend_h + h_row * max(1, len(rows)) + 8
    span = width - label_w - 10
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for n, ((name, _), colour) in enumerate(zip(OUTCOMES, OUTCOME_COLOURS)):
        x, y = (n % 3) * 170, 4 + (n // 3) * 20          # legend: two lines of three
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{x + 18}" y="{y + 13}" class="v">{name}</text>')
    for i, (label, values) in enumerate(rows):
        y = legend_h + i * h_row
        parts.append(f'<text x="{label_w - 6}" y="{y + 20}" text-anchor="end" class="l">{escape(label[:10])}</text>')
        total = sum(values)
        if not total:
            parts.append(f'<text x="{label_w}" y="{y + 20}" class="v">无办理结果</text>')
            continue
        x = float(label_w)
        for v, colour in zip(values, OUTCOME_COLOURS):
            w = span * v / total
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{h_row - 8}" fill="{colour}">'
                             f'<title>{_num(v)} 件</title></rect>')
            x += w
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:0;padding:16px;color:#212121;background:#fafafa;font-size:15px}
h1{font-size:1.4em;margin:0 0 4px} h2{font-size:1.15em;margin:24px 0 8px}
.sub{color:#616161;margin:0 0 12px}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 16px}
.counts span{padding:6px 10px;border-radius:4px;background:#eeeeee}
.wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border:1px solid #e0e0e0}
table{border-collapse:collapse;width:100%;min-width:720px}
th,td{border-bottom:1px solid #e0e0e0;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5;white-space:nowrap} td.n{text-align:right;white-space:nowrap}
td:first-child{min-width:9em} td.d{white-space:nowrap}
.s{display:inline-block;padding:2px 8px;border-radius:10px;white-space:nowrap;font-size:.9em}
.s-有错误{background:#ffcdd2;color:#b71c1c}.s-待填报{background:#fff3e0;color:#e65100}
.s-已生成{background:#e3f2fd;color:#0d47a1}.s-已签发{background:#e8f5e9;color:#1b5e20}
.s-已发布{background:#c8e6c9;color:#1b5e20}
.late{color:#b71c1c;font-weight:bold} .soon{color:#e65100}
ul.p{margin:4px 0 0 16px;padding:0;color:#b71c1c;font-size:.9em}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));gap:16px;align-items:start}
.charts figure{margin:0;background:#fff;border:1px solid #e0e0e0;padding:8px}
figcaption{font-weight:bold;margin-bottom:4px} svg.chart{width:100%;height:auto;display:block}
svg .l,svg .v{font-size:16px;fill:#424242}
footer{color:#757575;font-size:.85em;margin-top:24px}
"""


def _days(s: AgencyState) -> str:
    if s.days_left is None:
        return "—"
    if s.status in (SIGNED, PUBLISHED_ZH):
        return f"{s.deadline:%m月%d日}"
    if s.days_left < 0:
        return f'<span class="late">已逾期 {-s.days_left} 天</span>'
    cls = "soon" if s.days_left <= 7 else ""
    return f'<span class="{cls}">剩 {s.days_left} 天</span>（{s.deadline:%m月%d日}）'


def render_board(states: list[AgencyState], title: str = "政府信息公开工作年度报告进度", today: date | None = None) -> str:
    """The board as one HTML string (everything escaped, everything inline)."""
    today = today or date.today()
    counts = {st: sum(s.status == st for s in states) for st in STATUSES}
    late = sum(s.late for s in states)
    rows = []
    for s in states:
        f = s.findings
        links = " ".join(f'<a href="{escape(href)}">{escape(label)}</a>' for label, href in s.links.items())
        problems = "".join(f"<li>{escape(p)}</li>" for p in s.problems[:5])
        rows.append(
            f'<tr><td>{escape(s.agency)}{f"<ul class=p>{problems}</ul>" if problems else ""}</td>'
            f'<td><span class="s s-{s.status}">{s.status}</span></td><td class="d">{_days(s)}</td>'
            f'<td class="n">{_num(f.get("error"))}</td><td class="n">{_num(f.get("warning"))}</td>'
            f'<td class="n">{_num(f.get("info"))}</td>'
            f'<td class="n">{_num(s.figures.get("新收申请总数"))}</td><td class="n">{_num(s.figures.get("办理结果总数"))}</td>'
            f'<td class="n">{_num(s.figures.get("行政复议总数"))}</td><td class="n">{_num(s.figures.get("行政诉讼总数"))}</td>'
            f'<td class="d">{links or "—"}</td></tr>')
    with_figures = [s for s in states if s.figures.get("新收申请总数") is not None]
    rate_rows = []
    for s in with_figures:
        r = s.rates
        rate_rows.append(f'<tr><td>{escape(s.agency)}</td>'
                         + "".join(f'<td class="n">{_pct(r[k])}</td>' for k in r)
                         + f'<td class="n">{_num(s.findings.get("error"))}</td></tr>')
    charts = [
        ("各机关新收申请数（件）", _bar_svg("各机关新收申请数", [(s.agency, s.figures.get("新收申请总数") or 0)
                                                     for s in with_figures])),
        ("办理结果构成", _stack_svg("办理结果构成", [(s.agency, [s.figures.get(k) or 0 for _, k in OUTCOMES])
                                              for s in with_figures])),
        ("实质公开率（%）", _bar_svg("实质公开率", [(s.agency, round((s.rates["实质公开率"] or 0) * 100, 1))
                                            for s in with_figures], "#2e7d32")),
        ("各机关错误数", _bar_svg("各机关错误数", [(s.agency, s.findings.get("error") or 0) for s in states],
                              "#c62828")),
    ]
    figs = "".join(f"<figure><figcaption>{escape(t)}</figcaption>{svg}</figure>" for t, svg in charts)
    rate_head = "".join(f"<th>{k}</th>" for k in AgencyState("", "").rates)
    summary = "".join(f'<span class="s-{st}">{st} {n}</span>' for st, n in counts.items())
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="generator" content="nianbao">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="sub">共 {len(states)} 个机关；截至 {today:%Y年%m月%d日}，逾期未完成 {late} 个。问题在前。</p>
<div class="counts">{summary}</div>
<h2>各机关状态</h2>
<div class="wrap"><table>
<thead><tr><th>机关</th><th>状态</th><th>公布时限</th><th>错误</th><th>警告</th><th>提示</th>
<th>新收申请</th><th>办理结果</th><th>行政复议</th><th>行政诉讼</th><th>文件</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div>
<h2>图表</h2>
<div class="charts">{figs}</div>
<h2>各机关指标对比</h2>
<div class="wrap"><table>
<thead><tr><th>机关</th>{rate_head}<th>错误</th></tr></thead>
<tbody>{"".join(rate_rows)}</tbody></table></div>
<footer>实质公开率 =（予以公开 + 部分公开）÷ 办理结果总数；无法提供占比 = 无法提供 ÷ 办理结果总数；
复议（诉讼）纠错率 = 被纠错件数 ÷ 总件数；结转率 = 结转下年度 ÷（新收 + 上年结转）。
公布时限：部门 1月31日，人民政府 3月31日（条例第四十九条），本地更早的时限以工作簿或名单为准。
由 nianbao board 生成。</footer>
</body></html>
"""


def is_board(path: Path) -> bool:
    """Whether PATH is a board.html that nianbao wrote (may be replaced)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return '<meta name="generator" content="nianbao">' in fh.read(2000)
    except OSError:
        return False


def natural(name: str) -> list:
    """A sort key that orders the numbers in names by value: 第2局 before 第10局."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part]


def write_board(outroot: str | os.PathLike, today: date | None = None,
                roster: str | os.PathLike | None = None,
                deadlines: dict[str, tuple[int, int]] | None = None, force: bool = False,
                require_jobs: bool = False) -> Path:
    """Build ``OUTROOT/board.html`` from every job's results.json; return its path.
    An existing board.html that nianbao did not make is replaced only with
    ``force`` (else ``InputError``, exit 2); a folder that does not exist is
    ``InputError`` and nothing is written, as is one that holds no job (and no
    roster was given) when ``require_jobs`` (``nianbao board``)."""
    from .fsutil import atomic_write_text
    from .outputs import output_file

    states = agency_states(outroot, today, roster, deadlines)      # a missing folder: said, not made
    if require_jobs and not states:
        raise InputError(Problem("board-nothing", "这个文件夹中没有任何机关的作业结果（results.json），也没有给出名单",
                                 file=str(outroot), expected="nianbao batch -o 指定的输出总文件夹",
                                 fix="给出批量作业的输出总文件夹，或用 --roster 给出应报送机关的名单"))
    path = output_file(Path(outroot) / BOARD, ".html", force=force, replaceable=is_board)
    atomic_write_text(path, render_board(states, today=today))
    return path
