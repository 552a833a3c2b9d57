"""The sign-off mail: readable on a phone, openable in the clients Chinese
offices use (QQ Mail, Foxmail, Outlook), and carrying the hashes that prove
which files were approved.

Attachment names: Python's ``email`` writes a non-ASCII ``filename`` only as
RFC 2231 (``filename*=utf-8''…`` on Content-Disposition). QQ Mail and some
Outlook versions do not decode that and show ``tcmime.*.bin`` or "Untitled
Attachment", so each attachment also gets an RFC 2047 ``name="=?utf-8?b?…?="``
on Content-Type, the form those clients write themselves. The stdlib would
re-encode such a parameter as RFC 2231 when folding, so the Content-Type is
stored pre-folded (``set_raw``) and written with ``refold_source="none"``.
"""
from __future__ import annotations

import base64
import html
import re
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Iterable

from nianbao import __version__
from nianbao.errors import input_error
from nianbao.fsutil import atomic_write_bytes, sha256_file
from nianbao.signoff._files import EML, MANIFEST, output_file, read_results
from nianbao.signoff.manifest import write_manifest

#: Writes CRLF lines; keeps our pre-folded Content-Type exactly as built.
POLICY = policy.SMTP.clone(refold_source="none")
MANIFEST_HEADER = "X-Nianbao-Manifest-SHA256"

_MIME = {
    "pdf": ("application", "pdf"),
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("application", "json"),
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class Attachment:
    key: str          # key in results.json "files"
    path: Path        # file in OUTDIR
    filename: str     # Chinese display name in the mail
    sha256: str       # of ``data``: the hash quoted is the hash of what is attached
    size: int
    data: bytes = field(repr=False, default=b"")


def report_base(info: dict) -> str:
    """``{机关名称}{年度}年政府信息公开工作年度报告``, safe as a file name."""
    agency, year = info.get("agency") or "", info.get("year") or ""
    base = info.get("title") or f"{agency}{year}年政府信息公开工作年度报告"
    return _UNSAFE.sub("_", str(base)).strip() or "政府信息公开工作年度报告"


def subject(info: dict) -> str:
    return f"【签发】{info.get('agency') or ''}{info.get('year') or ''}年政府信息公开工作年度报告（送审稿）"


def select_attachments(outdir: Path, info: dict) -> list[Attachment]:
    """The PDF and Word report plus the check results (the workbook-style
    checks.xlsx when present, else checks.json). A report is required."""
    files = info.get("files") if isinstance(info.get("files"), dict) else {}
    base = report_base(info)
    wanted = [("report_pdf", f"{base}.pdf"), ("report_docx", f"{base}.docx")]
    checks = "checks_xlsx" if output_file(outdir, files.get("checks_xlsx")) else "checks_json"
    wanted.append((checks, f"{base}校验结果.{'xlsx' if checks == 'checks_xlsx' else 'json'}"))
    found = []
    for key, name in wanted:
        path = output_file(outdir, files.get(key))
        if path is not None:
            data = path.read_bytes()
            found.append(Attachment(key, path, name, hashlib.sha256(data).hexdigest(), len(data), data))
    if not any(a.key.startswith("report_") for a in found):
        raise input_error("signoff-no-report", "输出目录中没有 PDF 或 Word 格式的报告，无法送签。",
                          file=str(Path(outdir) / "results.json"),
                          fix="请用 --formats 生成 pdf 或 docx 后重新运行。")
    return found


def encoded_words(text: str, max_bytes: int = 45) -> list[str]:
    """RFC 2047 base64 words of at most 75 characters, split on whole characters."""
    chunks, cur = [], b""
    for ch in text:
        b = ch.encode("utf-8")
        if cur and len(cur) + len(b) > max_bytes:
            chunks.append(cur)
            cur = b""
        cur += b
    chunks.append(cur)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks]


def _attach(msg: EmailMessage, att: Attachment) -> None:
    maintype, subtype = _MIME.get(att.path.suffix.lstrip(".").lower(), ("application", "octet-stream"))
    msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    part = list(msg.iter_attachments())[-1]
    raw = f"{maintype}/{subtype};\n name=\"" + "\n ".join(encoded_words(att.filename)) + '"'
    del part["Content-Type"]
    part.set_raw("Content-Type", raw)


def _size(n: int) -> str:
    return f"{n} 字节" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MB"


def _num(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return "—" if v is None else f"{v:,}" if isinstance(v, int) else str(v)


def _findings(info: dict) -> tuple[dict, str]:
    f = info.get("findings") if isinstance(info.get("findings"), dict) else {}
    n = {k: int(f.get(k) or 0) for k in ("error", "warning", "accepted", "info")}
    text = (f"错误 {n['error']} 条，警告 {n['warning']} 条（其中已确认接受 {n['accepted']} 条），"
            f"提示 {n['info']} 条。")
    return n, text


def _figures(info: dict) -> list[tuple[str, str, str]]:
    rows = []
    for kf in info.get("key_figures") or []:
        if not isinstance(kf, dict):
            continue
        unit = kf.get("unit") or ""
        value = _num(kf.get("value")) + ("" if kf.get("value") is None else unit)
        rows.append((str(kf.get("name") or ""), value, str(kf.get("phrase") or "")))
    return rows


REPLY = "同意签发请直接回复“同意签发”；如需修改，请回复具体修改意见。"


def render_text(info: dict, atts: list[Attachment], manifest_sha: str) -> str:
    n, summary = _findings(info)
    title = info.get("title") or report_base(info)
    out = ["您好：", "", f"现将《{title}》（送审稿）报请签发。", ""]
    if n["error"]:
        out += [f"【注意】校验发现 {n['error']} 条错误，请核对后再签发。", ""]
    out += ["一、校验结果", f"  {summary}", "", "二、主要数据"]
    figs = _figures(info)
    out += [f"  {name}：{value}" + (f"，{phrase}" if phrase else "") for name, value, phrase in figs] or ["  （无）"]
    out += ["", "三、附件及 SHA-256 校验值"]
    for i, a in enumerate(atts, 1):
        out += [f"  {i}. {a.filename}（{_size(a.size)}）", f"     SHA-256：{a.sha256}"]
    out += ["", "四、签发方式", f"  {REPLY}", "", "五、文件清单",
            f"  manifest.json 的 SHA-256：{manifest_sha}",
            "  输出目录中全部文件的校验值记录在 manifest.json 中；发布前可用",
            "  “nianbao verify 文件名 --manifest 签发包中的 manifest.json”核对发布的文件是否与签发版本一致。", "",
            f"（本邮件由 nianbao {__version__} 生成）", ""]
    return "\n".join(out)


def render_html(info: dict, atts: list[Attachment], manifest_sha: str) -> str:
    e = html.escape
    n, summary = _findings(info)
    title = info.get("title") or report_base(info)
    h2 = 'style="font-size:17px;margin:20px 0 8px;color:#1a3d7c"'
    td = 'style="padding:6px 8px;border-bottom:1px solid #ddd;vertical-align:top"'
    code = 'style="font-family:monospace;font-size:13px;word-break:break-all;color:#444"'
    p = ['<!DOCTYPE html><html><head><meta charset="utf-8">'
         '<meta name="viewport" content="width=device-width,initial-scale=1"></head>'
         '<body style="margin:0;padding:12px;background:#fff">'
         '<div style="max-width:640px;margin:0 auto;font-family:-apple-system,\'PingFang SC\','
         '\'Microsoft YaHei\',sans-serif;font-size:16px;line-height:1.6;color:#222">',
         f"<p>您好：</p><p>现将《{e(title)}》（送审稿）报请签发。</p>"]
    if n["error"]:
        p.append('<p style="padding:8px;background:#fdecea;color:#a1260d">'
                 f"<b>注意：</b>校验发现 {n['error']} 条错误，请核对后再签发。</p>")
    p.append(f"<h2 {h2}>一、校验结果</h2><p>{e(summary)}</p><h2 {h2}>二、主要数据</h2>")
    figs = _figures(info)
    if figs:
        p.append('<table style="border-collapse:collapse;width:100%">')
        p += [f"<tr><td {td}>{e(a)}</td><td {td}><b>{e(b)}</b><br>"
              f'<span style="color:#666;font-size:14px">{e(c)}</span></td></tr>' for a, b, c in figs]
        p.append("</table>")
    else:
        p.append("<p>（无）</p>")
    p.append(f"<h2 {h2}>三、附件及 SHA-256 校验值</h2><ol style=\"padding-left:20px\">")
    p += [f"<li>{e(a.filename)}（{_size(a.size)}）<br><span {code}>SHA-256：{a.sha256}</span></li>"
          for a in atts]
    p.append(f"</ol><h2 {h2}>四、签发方式</h2>"
             f'<p style="padding:8px;background:#eef4fb">{e(REPLY)}</p>'
             f"<h2 {h2}>五、文件清单</h2>"
             f"<p>manifest.json 的 SHA-256：<br><span {code}>{manifest_sha}</span></p>"
             '<p style="font-size:14px;color:#666">输出目录中全部文件的校验值记录在 manifest.json 中；'
             "发布前可用“nianbao verify 文件名 --manifest 签发包中的 manifest.json”核对发布的文件是否与签发版本一致。</p>"
             f'<p style="font-size:13px;color:#999">本邮件由 nianbao {__version__} 生成</p>'
             "</div></body></html>")
    return "".join(p)


def build_message(outdir: Path, to: Iterable[str] | None, sender: str | None = None) -> EmailMessage:
    """The sign-off mail for OUTDIR, built from results.json and manifest.json
    (written first if missing, since the mail quotes its hash)."""
    outdir = Path(outdir)
    info = read_results(outdir)
    if info.get("status") in ("failed", "bad-input"):
        raise input_error("signoff-job-failed", f"该次运行未成功（状态 {info.get('status')}），不能送签。",
                          file=str(outdir / "results.json"), fix="请修正问题后重新运行 nianbao run。")
    manifest = outdir / MANIFEST
    if not manifest.is_file():
        write_manifest(outdir)
    manifest_sha = sha256_file(manifest)
    atts = select_attachments(outdir, info)

    msg = EmailMessage()
    # Python's own folding can make 76-character encoded words (RFC 2047: at most 75).
    msg.set_raw("Subject", "\n ".join(encoded_words(subject(info), 39)))
    if sender:
        msg["From"] = sender
    recipients = [t for t in (to or []) if t]
    if recipients:
        msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(datetime.now(timezone.utc).astimezone())  # local offset, e.g. +0800
    domain = sender.rpartition("@")[2].strip("> ") if sender and "@" in sender else "nianbao.invalid"
    msg["Message-ID"] = make_msgid("nianbao", domain=domain)
    msg.set_raw(MANIFEST_HEADER, manifest_sha)   # one line (91 < 998), so it reads back as written
    # base64 bodies: no reliance on the server's 8BITMIME, any client decodes them.
    msg.set_content(render_text(info, atts, manifest_sha), cte="base64")
    msg.add_alternative(render_html(info, atts, manifest_sha), subtype="html", cte="base64")
    for att in atts:
        _attach(msg, att)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=POLICY)


def write_eml(outdir: Path, msg: EmailMessage) -> Path:
    """``OUTDIR/signoff.eml``: the package any mail client can send by hand."""
    return atomic_write_bytes(Path(outdir) / EML, message_bytes(msg))


def quoted_manifest_sha(msg: EmailMessage) -> str:
    """The manifest hash the mail quotes."""
    return str(msg.get(MANIFEST_HEADER) or "").strip()


def read_eml(path: Path) -> EmailMessage:
    from email import message_from_bytes
    return message_from_bytes(Path(path).read_bytes(), policy=POLICY)
