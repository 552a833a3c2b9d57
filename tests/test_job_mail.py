"""`nianbao run --mail-to`, `nianbao mail` and `nianbao verify` against a real
SMTP server on 127.0.0.1 with AUTH: the password never lands anywhere."""
from __future__ import annotations

import base64
import email
import hashlib
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import DEMO_2023, DEMO_2024

PASSWORD = "Pa55-w0rd-secret!"
USER = "bangongshi"


class Inbox:
    def __init__(self):
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


def _auth(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    port = _free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_auth, auth_required=True,
                     auth_require_tls=False)
    ctl.start()
    for k, v in {"NIANBAO_SMTP_HOST": "127.0.0.1", "NIANBAO_SMTP_PORT": str(port),
                 "NIANBAO_SMTP_SECURITY": "none", "NIANBAO_SMTP_USER": USER,
                 "NIANBAO_SMTP_PASSWORD": PASSWORD, "NIANBAO_MAIL_FROM": "gongkai@example.gov.cn"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-nianbao-config")
    yield inbox
    ctl.stop()


def _secret_forms() -> list[bytes]:
    raw = PASSWORD.encode()
    return [raw, base64.b64encode(raw), base64.b64encode(b"\0" + USER.encode() + b"\0" + raw)]


def test_run_sends_signoff_mail_and_keeps_the_password_secret(smtp, tmp_path, cli):
    out = tmp_path / "out"
    code, stdout, stderr = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx,html",
                               "--mail-to", "leader@example.gov.cn", "-q")
    assert code == 0, stdout + stderr
    assert len(smtp.messages) == 1
    msg = email.message_from_bytes(smtp.messages[0], policy=policy.default)
    assert "【签发】示例市市场监督管理局2024年政府信息公开工作年度报告（送审稿）" == msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    attachments = list(msg.iter_attachments())
    names = {a.get_filename() for a in attachments}
    assert "示例市市场监督管理局2024年政府信息公开工作年度报告.docx" in names
    docx = next(a for a in attachments if a.get_filename().endswith(".docx"))
    data = docx.get_payload(decode=True)
    assert data == (out / "report.docx").read_bytes()
    assert hashlib.sha256(data).hexdigest() in body
    # the password is nowhere: not in any output file, not in what was printed
    for p in out.rglob("*"):
        if p.is_file():
            content = p.read_bytes()
            for secret in _secret_forms():
                assert secret not in content, p
    for secret in _secret_forms():
        assert secret.decode("latin-1") not in stdout + stderr
    assert PASSWORD not in stdout + stderr
    # the send log sits beside the package (a link into it), and staff are shown that path
    assert (out / "mail-sent.json").is_file() and f"发送记录：{out / 'mail-sent.json'}" in stdout
    assert ".nianbao" not in stdout

    # resend the same package; then prove what was signed
    code, stdout, stderr = cli("mail", out)
    assert code == 0, stderr
    assert len(smtp.messages) == 2
    again = email.message_from_bytes(smtp.messages[1], policy=policy.default)
    assert again["Message-ID"] == msg["Message-ID"]
    code, stdout, _ = cli("verify", out)
    assert code == 0, stdout
    with open(out / "report.docx", "ab") as fh:
        fh.write(b"\0")
    code, stdout, _ = cli("verify", out)
    assert code == 1 and "report.docx" in stdout
    code, _, err = cli("mail", out)
    assert code != 0 and len(smtp.messages) == 2, "a changed package is not mailed"


def test_run_without_smtp_still_writes_the_eml(tmp_path, cli, monkeypatch):
    for k in ("NIANBAO_SMTP_HOST", "NIANBAO_SMTP_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "-q")
    assert code == 0
    assert (out / "signoff.eml").is_file() and (out / "manifest.json").is_file()
    assert "signoff.eml" in stdout


def test_run_mail_failure_exits_4_and_keeps_the_eml(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("NIANBAO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NIANBAO_SMTP_PORT", str(_free_port()))   # nothing listens there
    monkeypatch.setenv("NIANBAO_SMTP_SECURITY", "none")
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "--mail-to", "leader@example.gov.cn", "-q")
    assert code == 4
    assert "未能发送" in stdout and (out / "signoff.eml").is_file()


def test_mail_to_takes_addresses_separated_by_semicolons(smtp, tmp_path, cli):
    """The address message says "多个用分号隔开": --to and --mail-to take that."""
    from nianbao.signoff.addresses import split_addresses

    assert split_addresses(["a@example.gov.cn；b@example.gov.cn", "c@example.gov.cn, d@example.gov.cn",
                            "a@example.gov.cn"]) == [
        "a@example.gov.cn", "b@example.gov.cn", "c@example.gov.cn", "d@example.gov.cn"]      # each once
    out = tmp_path / "out"
    code, stdout, _ = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "--formats", "docx", "-q",
                          "--mail-to", "leader@example.gov.cn;deputy@example.gov.cn")
    assert code == 0, stdout
    code, stdout, err = cli("mail", out, "--to", "a@example.gov.cn；b@example.gov.cn")
    assert code == 0, stdout + err
    first, second = (email.message_from_bytes(m, policy=policy.default) for m in smtp.messages)
    assert first["To"] == "leader@example.gov.cn, deputy@example.gov.cn"
    assert second["To"] == "a@example.gov.cn, b@example.gov.cn"


def test_mail_asked_without_an_address_or_without_a_report_is_bad_input(tmp_path, cli):
    """--mail-to "；" is no recipient (not "the default, and send"); mail for
    an HTML-only run has nothing to sign: both said before the job runs."""
    code, out, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", tmp_path / "A", "--formats", "docx", "-q",
                         "--mail-to", "；")
    assert code == 2 and "没有给出任何邮箱地址" in out + err
    code, out, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", tmp_path / "B", "--formats", "html", "-q",
                         "--mail-to", "leader@example.gov.cn")
    assert code == 2 and "没有可签发的报告" in out + err and not (tmp_path / "B" / "notebook.html").exists()
    code, out, err = cli("mail", tmp_path / "A", "--to", " ; ")
    assert code == 2 and "--to 没有给出任何邮箱地址" in out + err
