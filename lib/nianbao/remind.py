"""Reminders (催办): one mail per agency that is late, has errors, or has
not submitted, to the contact in its workbook (基本信息: 电子邮箱 and
签发人邮箱) or on the roster, listing what is missing or wrong. An agency
whose job itself failed (a step, the kernel, LibreOffice: results.json
status "failed") gets none: that is for the office to rerun, and the
outcome lists it.

    outcome = remind("out/2024", roster="名单.csv", send=True)

Every reminder is drafted as ``OUTROOT/reminders/<agency>.eml`` (any mail
client can send it by hand). With ``send`` it goes through the SMTP settings
of ``nianbao mail`` (``nianbao.signoff.load_settings``). A small record per
agency (``reminders/<agency>.json``) holds the state last sent (status,
days-late bucket and problems, as a hash): the same state is never sent
twice; a changed state (new errors, now late, …) is.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from .board import ERRORS, TODO, AgencyState, agency_states

FOLDER = "reminders"


def needs_reminder(s: AgencyState) -> bool:
    """Late, wrong, or not submitted (signed and published agencies are done)."""
    return s.status in (ERRORS, TODO) or s.late


def state_key(s: AgencyState) -> str:
    """What the reminder is about; a new key means a new reminder is due."""
    basis = {"status": s.status, "late": s.late, "problems": sorted(s.problems),
             "errors": (s.findings or {}).get("error")}
    return hashlib.sha256(json.dumps(basis, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def file_stem(agency: str) -> str:
    """An ASCII file name per agency (Chinese names live inside the files)."""
    return "agency-" + hashlib.sha1(agency.encode("utf-8")).hexdigest()[:10]


def unreadable(s: AgencyState) -> bool:
    """A submitted file that could not be read: the board names it by its file
    name, and it has no agency, year or contact of its own."""
    return bool(s.workbook) and s.agency == Path(s.workbook).name


def body_text(s: AgencyState) -> str:
    if unreadable(s):
        lines = [f"报送“{s.agency}”的单位：", "",
                 f"报送的工作簿“{s.agency}”无法读取，请按标准模板重新报送。"]
    else:
        year = f" {s.year} 年度" if s.year else "年度"
        lines = [f"{s.agency}：", "",
                 f"贵单位{year}政府信息公开工作年度报告目前的状态是“{s.status}”。"]
    if s.deadline:
        if s.days_left is not None and s.days_left < 0:
            lines.append(f"公布时限 {s.deadline:%Y年%m月%d日} 已过 {-s.days_left} 天，请尽快完成并公布。")
        else:
            lines.append(f"公布时限为 {s.deadline:%Y年%m月%d日}（还有 {s.days_left} 天）。")
    if s.status == TODO:
        lines += ["", "我们尚未收到贵单位的年报工作簿，请按标准模板填写后报送。"]
    if s.problems:
        lines += ["", "需要处理的问题："] + [f"  {i}. {p}" for i, p in enumerate(s.problems, 1)]
    if "校验结果" in s.links:
        lines += ["", f"标注了问题单元格的工作簿：{s.links['校验结果']}（出错的单元格标红并有批注）"]
    lines += ["", "改正后请重新报送工作簿；如已处理，请忽略本邮件。", "", "政务公开办（由 nianbao remind 发送）"]
    return "\n".join(lines)


def build_reminder(s: AgencyState, sender: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    if unreadable(s):
        what = f"报送的工作簿“{s.agency}”无法读取"
    else:
        what = f"{s.agency}{f'{s.year}年' if s.year else ''}政府信息公开工作年度报告"
    msg["Subject"] = f"【催办】{what}（{s.status}" + ("，已逾期" if s.late else "") + "）"
    if sender:
        msg["From"] = sender
    if s.contacts:
        msg["To"] = ", ".join(s.contacts)
    msg["Date"] = format_datetime(datetime.now(timezone.utc).astimezone())
    domain = sender.rpartition("@")[2].strip("> ") if sender and "@" in sender else "nianbao.invalid"
    msg["Message-ID"] = make_msgid("nianbao-remind", domain=domain)
    msg.set_content(body_text(s), cte="base64")
    return msg


@dataclass
class RemindOutcome:
    drafted: list[tuple[str, Path]] = field(default_factory=list)     # agency, .eml
    sent: list[tuple[str, list[str]]] = field(default_factory=list)   # agency, recipients
    already: list[str] = field(default_factory=list)                  # same state sent before
    no_contact: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)       # agency, why
    rerun: list[tuple[str, str]] = field(default_factory=list)        # agency, why its job failed
    not_needed: int = 0
    configured: bool = True

    def render(self) -> str:
        out = [f"需要催办 {len(self.drafted)} 个机关，其余 {self.not_needed + len(self.rerun)} 个不需要。"]
        out += [f"  已起草：{a} → {p}" for a, p in self.drafted]
        out += [f"  已发送：{a} → {'、'.join(to)}" for a, to in self.sent]
        out += [f"  未重复发送（状态与上次催办时相同）：{a}" for a in self.already]
        out += [f"  没有联系邮箱，未能发送（请在工作簿“基本信息”或名单中填写）：{a}" for a in self.no_contact]
        out += [f"  发送失败：{a}：{why}" for a, why in self.failed]
        out += [f"  未催办（作业本身失败，不是填报的问题，请重新运行该机关的作业）：{a}：{why}" for a, why in self.rerun]
        if not self.configured:
            out.append("未配置邮件服务器，只起草了 .eml（配置方法见 README“邮件设置”）。")
        return "\n".join(out)


def _read_record(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def remind(outroot: str | os.PathLike, today: date | None = None, roster: str | os.PathLike | None = None,
           send: bool = False, config: str | os.PathLike | None = None) -> RemindOutcome:
    """Draft (and with ``send`` send) the reminders due; see the module doc.
    Raises the mail settings' errors (exit 2) before anything is sent."""
    from .fsutil import atomic_write_bytes, atomic_write_json
    from .signoff import SendError, load_settings
    from .signoff import send as smtp_send
    from .signoff.message import POLICY

    settings = load_settings(config) if send else None
    outcome = RemindOutcome(configured=not send or settings is not None)
    folder = Path(outroot) / FOLDER
    for s in agency_states(outroot, today, roster):
        if not needs_reminder(s):
            outcome.not_needed += 1
            continue
        if s.job_failed:                 # not the agency's doing: the office reruns the job
            outcome.rerun.append((s.agency, s.problems[-1] if s.problems else "作业出错"))
            continue
        stem = file_stem(s.agency)
        msg = build_reminder(s, settings.mail_from if settings else None)
        eml = atomic_write_bytes(folder / f"{stem}.eml", msg.as_bytes(policy=POLICY))
        outcome.drafted.append((s.agency, eml))
        key = state_key(s)
        record_path = folder / f"{stem}.json"
        record = _read_record(record_path)
        record.update(agency=s.agency, state=key, status=s.status, problems=s.problems,
                      drafted=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if send and settings is not None:
            if record.get("sent_state") == key:
                outcome.already.append(s.agency)
            elif not s.contacts:
                outcome.no_contact.append(s.agency)
            else:
                try:
                    report = smtp_send(msg, settings, recipients=s.contacts, eml_path=eml)
                except SendError as e:
                    outcome.failed.append((s.agency, e.problems[0].message))
                else:
                    outcome.sent.append((s.agency, report.accepted))
                    record.update(sent_state=key, sent=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                  sent_to=report.accepted)
        atomic_write_json(record_path, record)
    return outcome
