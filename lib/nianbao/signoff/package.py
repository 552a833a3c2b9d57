"""Build the sign-off package (manifest + .eml) and send it.

The .eml is always written, so an office without SMTP settings can send it by
hand. ``send_package`` sends the saved .eml when there is one, so a resend
carries exactly the content that was packaged, and refuses if the files
changed since (the mail would quote hashes that no longer hold).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Iterable

from nianbao.errors import Problem
from nianbao.fsutil import atomic_write_json as write_json
from nianbao.fsutil import sha256_file
from nianbao.errors import input_error
from nianbao.signoff._files import EML, MAIL_LOG, read_results
from nianbao.signoff.addresses import split_addresses
from nianbao.signoff.manifest import write_manifest
from nianbao.signoff.message import build_message, quoted_manifest_sha, read_eml, write_eml
from nianbao.signoff.smtp import SendError, SmtpSettings, load_settings, send
from nianbao.signoff.verify import verify


@dataclass(frozen=True)
class Package:
    outdir: Path
    manifest: Path
    eml: Path
    message: EmailMessage
    manifest_sha256: str
    recipients: list[str]


@dataclass(frozen=True)
class Delivery:
    """One successful delivery, as recorded in ``mail-sent.json``."""

    record: dict
    log: Path

    def to_dict(self) -> dict:
        return dict(self.record)

    def render(self) -> str:
        r = self.record
        server = r["server"]
        return (f"签发邮件已发送给 {'、'.join(r['accepted'])}（服务器 {server['host']}:{server['port']}，"
                f"共尝试 {r['attempts']} 次）。\n发送记录：{self.log}")


def _recipients(to: Iterable[str] | str | None, info: dict) -> list[str]:
    return split_addresses(to) or split_addresses(info.get("signoff_to"))


def package(outdir: str | Path, to: Iterable[str] | str | None = None, *,
            sender: str | None = None, settings: SmtpSettings | None = None) -> Package:
    """Write ``manifest.json`` and ``signoff.eml`` for a finished job.

    Recipients default to results.json ``signoff_to``; the sender to
    ``settings.mail_from`` or ``NIANBAO_MAIL_FROM`` (the .eml may have no From:
    a client sending it by hand fills it in)."""
    from nianbao.publish import package_dir

    given = Path(outdir)
    outdir = package_dir(outdir)
    info = read_results(outdir)
    check_signable(given, outdir, info)
    rcpts = _recipients(to, info)
    sender = sender or (settings.mail_from if settings else None) or os.environ.get("NIANBAO_MAIL_FROM")
    manifest = write_manifest(outdir)
    msg = build_message(outdir, rcpts, sender)
    eml = write_eml(outdir, msg)
    return Package(outdir, manifest, eml, msg, sha256_file(manifest), rcpts)


def check_signable(folder: Path, outdir: Path, info: dict) -> None:
    """Raise ``InputError`` (exit 2) before anything is written unless the run
    in ``outdir`` (results.json ``info``) may be signed: it succeeded and made
    a Word or PDF report. A run with errors, a failed one or an HTML-only one
    stays unsigned (a manifest would make it look signed: ``verify`` and the
    keeping of earlier runs go by it); the message names the package signed
    before it, which is still the one to send."""
    from nianbao.publish import signed_dir
    from nianbao.signoff.message import select_attachments

    status = info.get("status")
    if status == "ok" and (info.get("findings") or {}).get("error"):
        status = "errors"                   # --no-strict: made to look at, not to sign
    if status != "ok":
        why = {"errors": "数字有错误（未生成报告，或按 --no-strict 生成的仅供查看）", "failed": "作业失败（某一步出错，见 notebook.html）",
               "bad-input": "输入有误，没有运行"}.get(status, f"没有完成（{status}）")
        if outdir.parent.name == "runs" and outdir.parents[1].name == ".nianbao":
            folder = outdir.parents[2]          # F/.nianbao/runs/<id>: the package folder is F
        earlier = signed_dir(folder) if (Path(folder) / ".nianbao").is_dir() else None
        raise input_error(
            "signoff-not-signable",
            f"最近一次运行（{outdir.name}）{why}，不能送签。"
            + (f"此前签发的包仍在：{earlier}，可用 nianbao verify 核对后转发其中的 signoff.eml。" if earlier else ""),
            file=str(outdir / "results.json"),
            fix=("打开 notebook.html 查看出错的步骤，处理后重新运行 nianbao run" if status == "failed" else
                 "按 checks.xlsx 改正工作簿后重新运行 nianbao run") + "，新的报告会自动生成签发邮件。")
    select_attachments(outdir, info)        # raises when there is no Word or PDF report


def _log_sent(outdir: Path, record: dict) -> None:
    path = outdir / MAIL_LOG
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
        log = log if isinstance(log, list) else []
    except (OSError, ValueError):
        log = []
    write_json(path, log + [record])


def _set(msg: EmailMessage, name: str, value: str) -> None:
    if str(msg.get(name) or "") != value:
        del msg[name]
        msg[name] = value


def send_package(outdir: str | Path, to: Iterable[str] | str | None = None,
                 settings: SmtpSettings | None = None, *, retries: int = 2,
                 config_path: str | Path | None = None) -> Delivery:
    """Send (or resend) OUTDIR's sign-off mail and append the delivery to
    ``mail-sent.json`` (time, recipients, server, no password). Returns that
    record as a ``Delivery``; raises ``SendError`` (the .eml kept) when it was not delivered."""
    from nianbao.publish import link_top_level, package_dir

    given = Path(outdir)
    outdir = package_dir(given)
    eml = outdir / EML
    shown_eml = given / EML if (given / EML).resolve() == eml.resolve() else eml   # F/signoff.eml, not its run folder
    info = read_results(outdir)
    if settings is None:
        settings = load_settings(config_path)
    if eml.is_file():
        check = verify(outdir)
        if check.exit_code != 0:
            raise SendError(Problem(
                "signoff-changed", "输出目录中的文件在生成签发邮件后发生了变化，邮件中的校验值已不再成立，未发送。\n"
                + check.render(),
                fix="请重新运行 nianbao run（或重新生成签发材料）后再发送。"))
        msg = read_eml(eml)
    else:
        msg = package(outdir, to, settings=settings).message
    if settings is None:
        raise SendError(Problem("smtp-not-configured",
                                f"未配置邮件服务器（NIANBAO_SMTP_HOST），邮件未发送。签发邮件已保存在 {eml}，"
                                "可用邮件客户端手工发送。",
                                fix="设置 NIANBAO_SMTP_HOST 等环境变量或 ~/.config/nianbao/mail.toml 后，"
                                    "用 nianbao mail 发送。"))
    rcpts = (_recipients(to, {}) or [a for _, a in getaddresses([str(msg.get("To") or "")]) if a]
             or _recipients(None, info))
    if rcpts:
        _set(msg, "To", ", ".join(rcpts))
    if settings.mail_from:
        _set(msg, "From", settings.mail_from)
    record = {"sent": None, "to": rcpts, "accepted": [], "refused": {},
              "subject": str(msg.get("Subject") or ""), "message_id": str(msg.get("Message-ID") or ""),
              "manifest_sha256": quoted_manifest_sha(msg), "server": settings.describe(),
              "attempts": 0}
    try:
        report = send(msg, settings, retries=retries, eml_path=shown_eml)
    except SendError as e:
        if e.report is None:
            raise
        report = e.report
        error: SendError | None = e
    else:
        error = None
    record.update(sent=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  accepted=report.accepted, refused=report.refused, attempts=report.attempts)
    _log_sent(outdir, record)
    log = link_top_level(given, MAIL_LOG) if outdir != given else outdir / MAIL_LOG
    if error is not None:
        raise error
    return Delivery(record, log)
