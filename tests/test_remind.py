"""Reminders (催办) drafted per agency and sent through a real SMTP server
(aiosmtpd) on 127.0.0.1 — never twice for the same state."""
from __future__ import annotations

import email
import json
from datetime import date
from email import policy
from pathlib import Path

import pytest

from officekit import AGENCIES, departments
from test_signoff import clean_env, smtp_server  # noqa: F401  (the sign-off tests' real SMTP server)

TODAY = date(2025, 1, 27)


def job(root: Path, name: str, workbook: Path | None, status: str = "ok", errors: int = 0, **extra) -> Path:
    """A job folder as ``nianbao run`` leaves it (results.json; checks.xlsx)."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "checks.xlsx").write_bytes(b"PK\x03\x04")
    summary = {"status": status, "workbook": str(workbook) if workbook else None, "year": 2024,
               "findings": {"error": errors, "warning": 0, "info": 0}, "files": {"checks_xlsx": "checks.xlsx"}}
    summary.update(extra)
    (folder / "results.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture
def outroot(tmp_path) -> Path:
    books = departments(tmp_path / "in", 4)
    root = tmp_path / "out"
    job(root, "dept1", books[0], "errors", errors=3, agency=AGENCIES[0])        # wrong figures
    job(root, "dept2", books[1], agency=AGENCIES[1])                            # made, not late
    signed = job(root, "dept3", books[2], agency=AGENCIES[2])                   # signed: done
    (signed / "mail-sent.json").write_text("[]", encoding="utf-8")
    job(root, "broken", tmp_path / "in" / "broken.xlsx", "bad-input",
        problems=[{"code": "file-not-xlsx", "message": "这不是 Excel 工作簿", "file": "broken.xlsx"}])
    return root


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "名单.csv"
    path.write_text("机关,类型,联系邮箱,截止日期\n" + "".join(f"{a},部门,,\n" for a in AGENCIES[:3])
                    + "示例市审计局,部门,audit@example.gov.cn,\n", encoding="utf-8")
    return path


def _body(raw: bytes) -> tuple[str, str]:
    msg = email.message_from_bytes(raw, policy=policy.default)
    return str(msg["Subject"]), msg.get_body(("plain",)).get_content()


def test_drafts_only_for_agencies_that_need_it(outroot, roster, cli):
    code, out, _ = cli("remind", outroot, "--roster", roster, "--today", TODAY.isoformat())
    assert code == 0
    emls = sorted((outroot / "reminders").glob("*.eml"))
    assert len(emls) == 3                       # wrong figures, unreadable file, not submitted
    texts = dict(_body(p.read_bytes()) for p in emls)
    subjects = " ".join(texts)
    assert AGENCIES[0] in subjects and "示例市审计局" in subjects
    assert AGENCIES[1] not in subjects and AGENCIES[2] not in subjects   # made in time; signed
    wrong = next(b for s, b in texts.items() if AGENCIES[0] in s)
    assert "数字有 3 项错误" in wrong and "checks.xlsx" in wrong and "还有 4 天" in wrong
    todo = next(b for s, b in texts.items() if "示例市审计局" in s)
    assert "尚未收到" in todo
    to = {s: email.message_from_bytes(p.read_bytes())["To"] for p in emls for s in [_body(p.read_bytes())[0]]}
    assert "dept1@example.gov.cn" in next(v for k, v in to.items() if AGENCIES[0] in k)


def test_late_made_report_is_reminded(outroot, cli):
    code, out, _ = cli("remind", outroot, "--today", "2025-02-03")
    texts = [_body(p.read_bytes()) for p in (outroot / "reminders").glob("*.eml")]
    late = [b for s, b in texts if AGENCIES[1] in s]
    assert late and "已过 3 天" in late[0]
    assert not [s for s, _ in texts if AGENCIES[2] in s]     # signed in time: no reminder


def test_sends_once_per_state(outroot, roster, cli, monkeypatch):
    with smtp_server() as (rec, port):
        monkeypatch.setenv("NIANBAO_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("NIANBAO_SMTP_PORT", str(port))
        monkeypatch.setenv("NIANBAO_SMTP_SECURITY", "none")
        monkeypatch.setenv("NIANBAO_MAIL_FROM", "gongkaiban@example.gov.cn")
        args = ("remind", outroot, "--roster", roster, "--today", TODAY.isoformat(), "--send")
        code, out, _ = cli(*args)
        assert code == 0, out
        # the unreadable file names no contact: drafted, not sent, and said so
        assert len(rec.received) == 2 and "没有联系邮箱" in out
        rcpts = sorted(r for rs, _ in rec.received for r in rs)
        assert "audit@example.gov.cn" in rcpts and "dept1@example.gov.cn" in rcpts
        subject, body = _body(rec.received[0][1])
        assert "催办" in subject
        code, out, _ = cli(*args)
        assert code == 0 and len(rec.received) == 2 and out.count("未重复发送") == 2
        # the state changes (more errors): that agency is reminded again, only it
        results = outroot / "dept1" / "results.json"
        data = json.loads(results.read_text(encoding="utf-8"))
        data["findings"]["error"] = 5
        results.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        code, out, _ = cli(*args)
        assert len(rec.received) == 3 and "dept1@example.gov.cn" in rec.received[2][0]
        record = json.loads(next((outroot / "reminders").glob("*.json")).read_text(encoding="utf-8"))
        assert "state" in record


def test_signed_and_published_states(outroot):
    from nianbao.board import agency_states

    (outroot / "dept2" / "published.json").write_text("{}", encoding="utf-8")
    by = {s.agency: s.status for s in agency_states(outroot, today=TODAY)}
    assert by[AGENCIES[0]] == "有错误" and by[AGENCIES[1]] == "已发布" and by[AGENCIES[2]] == "已签发"


def test_send_without_a_mail_server_is_exit_4(outroot, roster, cli):
    """--send asks for delivery: with no server configured the drafts stay,
    and the exit code says nothing was sent (as for mail and run --mail-to)."""
    code, out, _ = cli("remind", outroot, "--roster", roster, "--today", TODAY.isoformat(), "--send")
    assert code == 4 and "未配置邮件服务器" in out
    assert len(list((outroot / "reminders").glob("*.eml"))) == 3


def test_unreadable_file_reminder_has_no_empty_year(outroot, cli):
    """A file that could not be read has no agency or year: the subject and
    body must not print "broken.xlsx年" / "贵单位  年度"."""
    code, out, _ = cli("remind", outroot, "--today", TODAY.isoformat())
    assert code == 0
    texts = [_body(p.read_bytes()) for p in (outroot / "reminders").glob("*.eml")]
    subject, body = next((s, b) for s, b in texts if "broken.xlsx" in s)
    assert "broken.xlsx年" not in subject and "  年度" not in body
    assert "无法读取" in subject


def test_a_failed_job_is_for_the_office_not_a_reminder(outroot, cli):
    """A job that failed itself (the kernel died, a step failed) is not the
    agency's mistake: no reminder to it; the outcome asks for a rerun."""
    books = sorted((outroot.parent / "in").glob("*.xlsx"))
    job(outroot, "dept4", books[3], "failed", agency=AGENCIES[3],
        error="步骤“图表·主动公开”运行中笔记本内核意外停止（可能内存不足或被结束）。")
    job(outroot, "dept5", books[0], "stopped", agency="示例市审计局",      # a batch interrupted while it ran
        error="作业被中断：批量被中断时该作业仍在运行。")
    code, out, _ = cli("remind", outroot, "--today", TODAY.isoformat())
    assert code == 0
    subjects = [_body(p.read_bytes())[0] for p in (outroot / "reminders").glob("*.eml")]
    assert not [s for s in subjects if AGENCIES[3] in s or "示例市审计局" in s]
    assert "：示例市审计局：" in out
    assert f"未催办（作业本身失败，不是填报的问题，请重新运行该机关的作业）：{AGENCIES[3]}" in out and "内核意外停止" in out
