"""Sign-off by email, against a real SMTP server (aiosmtpd) on 127.0.0.1."""
from __future__ import annotations

import base64
import contextlib
import email
import hashlib
import json
import logging
import re
import socket
import ssl
from email import policy
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from nianbao.signoff import (MailConfigError, SendError, SmtpSettings, load_settings, package,
                             send_package, verify, write_manifest)
from nianbao.signoff.message import build_message, quoted_manifest_sha, write_eml

AGENCY, YEAR = "示例市示例局", 2024
TITLE = f"{AGENCY}{YEAR}年政府信息公开工作年度报告"
USER, PASSWORD = "clerk@example.gov.cn", "Pw-9xQz!s3cret-Unique"
# Bytes that catch mangling: CRLF/LF/CR, a leading dot (SMTP dot-stuffing), NUL.
PDF = b"%PDF-1.4\r\n.leading dot\n\x00\xff\xfe binary\r" + bytes(range(256)) * 4 + b"\n%%EOF\n"
DOCX = b"PK\x03\x04" + bytes(range(255, -1, -1)) * 3
XLSX = b"PK\x03\x04 checks " + b"\x00\x01\x02" * 50


# --- fixtures -----------------------------------------------------------------

def make_outdir(root: Path, *, findings: dict | None = None, formats=("pdf", "docx")) -> Path:
    out = root / "out"
    (out / "charts").mkdir(parents=True)
    files = {"report_html": "report.html", "checks_json": "checks.json", "checks_xlsx": "checks.xlsx",
             "notebook": "notebook.ipynb", "charts": ["charts/applications.png"]}
    if "pdf" in formats:
        (out / "report.pdf").write_bytes(PDF)
        files["report_pdf"] = "report.pdf"
    if "docx" in formats:
        (out / "report.docx").write_bytes(DOCX)
        files["report_docx"] = "report.docx"
    (out / "report.html").write_text(f"<h1>{TITLE}</h1>", encoding="utf-8")
    (out / "checks.json").write_text('{"findings": []}', encoding="utf-8")
    (out / "checks.xlsx").write_bytes(XLSX)
    (out / "notebook.ipynb").write_text("{}", encoding="utf-8")
    (out / "charts" / "applications.png").write_bytes(b"\x89PNG\r\n\x1a\n fake")
    results = {
        "nianbao": "0.1.0", "status": "ok", "agency": AGENCY, "year": YEAR, "title": TITLE,
        "workbook": "/abs/2024.xlsx", "prior_workbook": "/abs/2023.xlsx",
        "started": "2026-11-28T01:00:00+00:00", "finished": "2026-11-28T01:00:12+00:00",
        "duration_s": 12.3,
        "findings": findings or {"error": 0, "warning": 2, "info": 3, "accepted": 1},
        "key_figures": [
            {"name": "新收申请总数", "unit": "件", "value": 34, "prior": 20, "change": 14,
             "phrase": "比上年增加14件"},
            {"name": "行政复议", "unit": "件", "value": 2, "prior": 5, "change": -3, "phrase": "比上年减少3件"}],
        "files": files, "signoff_to": ["leader@example.gov.cn"]}
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    return make_outdir(tmp_path)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No developer mail settings leak into the tests."""
    for var in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "CAFILE", "TIMEOUT"):
        monkeypatch.delenv(f"NIANBAO_SMTP_{var}", raising=False)
    monkeypatch.delenv("NIANBAO_MAIL_FROM", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


class Recorder:
    """Stores every message the server accepts."""

    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []
        self.data_calls = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_server(handler=None, **kw):
    handler = handler or Recorder()
    ctl = Controller(handler, hostname="127.0.0.1", port=free_port(), **kw)
    ctl.start()
    try:
        yield handler, ctl.port
    finally:
        ctl.stop()


@pytest.fixture(scope="session")
def ca():
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(ca) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


@pytest.fixture
def cafile(ca, tmp_path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)   # handled=False: the server sends 535


def settings(port: int, **kw) -> SmtpSettings:
    base = dict(host="127.0.0.1", port=port, security="none", mail_from="nianbao@example.gov.cn",
                timeout=5, retry_delay=0.01)
    base.update(kw)
    return SmtpSettings(**base)


# --- helpers on received mail --------------------------------------------------

def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def attachments(msg) -> dict[str, bytes]:
    return {a.get_filename(): a.get_content() for a in msg.iter_attachments()}


def body_text(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def assert_signed_mail(raw: bytes, outdir: Path) -> None:
    """Parses; attachments byte-identical to OUTDIR files; hashes quoted match."""
    msg = parse(raw)
    assert msg["Subject"] == f"【签发】{AGENCY}{YEAR}年政府信息公开工作年度报告（送审稿）"
    got = attachments(msg)
    assert got == {f"{TITLE}.pdf": PDF, f"{TITLE}.docx": DOCX, f"{TITLE}校验结果.xlsx": XLSX}
    assert got[f"{TITLE}.pdf"] == (outdir / "report.pdf").read_bytes()
    text, html = body_text(msg), msg.get_body(("html",)).get_content()
    for data in got.values():
        digest = hashlib.sha256(data).hexdigest()
        assert digest in text and digest in html
    manifest_sha = hashlib.sha256((outdir / "manifest.json").read_bytes()).hexdigest()
    assert quoted_manifest_sha(msg) == manifest_sha and manifest_sha in text and manifest_sha in html


# --- manifest --------------------------------------------------------------------

def test_manifest_lists_every_output_with_hash_and_size(outdir):
    (outdir / "signoff.eml").write_bytes(b"old")
    path = write_manifest(outdir)
    m = json.loads(path.read_text(encoding="utf-8"))
    paths = [f["path"] for f in m["files"]]
    assert paths == sorted(paths)
    assert set(paths) == {"charts/applications.png", "checks.json", "checks.xlsx", "notebook.ipynb",
                          "report.docx", "report.html", "report.pdf", "results.json"}
    pdf = next(f for f in m["files"] if f["path"] == "report.pdf")
    assert pdf == {"path": "report.pdf", "sha256": hashlib.sha256(PDF).hexdigest(), "size": len(PDF)}
    assert (m["agency"], m["year"], m["title"]) == (AGENCY, YEAR, TITLE) and m["created"]
    assert not [p for p in outdir.iterdir() if p.name.endswith(".tmp")]


# --- the message -------------------------------------------------------------------

def test_message_body_and_chinese_attachment_names(outdir):
    write_manifest(outdir)
    msg = build_message(outdir, ["leader@example.gov.cn"], "nianbao@example.gov.cn")
    path = write_eml(outdir, msg)
    raw = path.read_bytes()
    assert_signed_mail(raw, outdir)
    text = body_text(parse(raw))
    for needed in ("错误 0 条", "警告 2 条", "已确认接受 1 条", "新收申请总数：34件，比上年增加14件",
                   "比上年减少3件", "同意签发", "修改意见"):
        assert needed in text
    # Both name forms exist in the raw bytes and decode, independently of each other.
    pdf_part = next(p for p in parse(raw).iter_attachments() if p.get_content_type() == "application/pdf")
    raw_ct = pdf_part.get("Content-Type").__str__()
    legacy = email.message_from_bytes(raw, policy=policy.compat32)
    legacy_pdf = next(p for p in legacy.walk() if p.get_content_type() == "application/pdf")
    name_param = legacy_pdf.get_param("name")            # compat32 leaves RFC 2047 undecoded
    assert name_param.startswith("=?utf-8?b?")
    assert str(make_header(decode_header(name_param))) == f"{TITLE}.pdf"
    assert "filename*" in legacy_pdf["Content-Disposition"]
    assert email.utils.collapse_rfc2231_value(legacy_pdf.get_param("filename", header="content-disposition")) \
        == f"{TITLE}.pdf"
    assert pdf_part.get_filename() == f"{TITLE}.pdf" and raw_ct
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert max(len(w) for w in re.findall(rb"=\?utf-8\?b\?[^?]*\?=", raw)) <= 75
    # Re-reading and re-writing the .eml keeps the name= form (no silent RFC 2231 refold).
    from nianbao.signoff.message import message_bytes, read_eml
    assert message_bytes(read_eml(path)) == raw


def test_json_checks_attached_without_xlsx_and_errors_never_packaged(tmp_path):
    out = make_outdir(tmp_path, formats=("pdf",))
    (out / "checks.xlsx").unlink()
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    del results["files"]["checks_xlsx"]
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    msg = package(out).message
    assert sorted(attachments(msg)) == [f"{TITLE}.pdf", f"{TITLE}校验结果.json"]
    assert msg["To"] == "leader@example.gov.cn"
    wrong = make_outdir(tmp_path / "wrong", findings={"error": 3, "warning": 0, "info": 0, "accepted": 0})
    (wrong / "manifest.json").unlink(missing_ok=True)
    with pytest.raises(Exception) as e:                    # a --no-strict report: to look at, not to sign
        package(wrong)
    assert getattr(e.value, "exit_code", None) == 2 and "不能送签" in str(e.value)
    assert not (wrong / "manifest.json").exists()


def test_failed_job_is_not_sent_for_signoff(tmp_path):
    out = make_outdir(tmp_path)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (out / "results.json").write_text(json.dumps({**results, "status": "failed"}), encoding="utf-8")
    with pytest.raises(Exception) as e:
        package(out)
    assert getattr(e.value, "exit_code", None) == 2 and "不能送签" in str(e.value)


def test_no_report_file_is_bad_input(tmp_path):
    out = make_outdir(tmp_path, formats=())
    with pytest.raises(Exception) as e:
        package(out)
    assert getattr(e.value, "exit_code", None) == 2 and "PDF 或 Word" in str(e.value)


# --- sending: the happy paths ------------------------------------------------------------

def test_plain_send_delivers_identical_attachments(outdir):
    with smtp_server() as (rec, port):
        delivery = send_package(outdir, ["leader@example.gov.cn"], settings(port))
    assert len(rec.received) == 1
    rcpts, raw = rec.received[0]
    assert rcpts == ["leader@example.gov.cn"]
    assert_signed_mail(raw, outdir)
    assert parse(raw)["From"] == "nianbao@example.gov.cn"
    log = json.loads((outdir / "mail-sent.json").read_text(encoding="utf-8"))
    assert log[0]["accepted"] == ["leader@example.gov.cn"] and log[0]["attempts"] == 1
    assert "leader@example.gov.cn" in delivery.render()
    assert verify(outdir).exit_code == 0       # the send log is not an "added" file


def test_starttls_with_auth_never_leaks_password(outdir, server_tls, cafile, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    s = settings(0, security="starttls", user=USER, password=PASSWORD, cafile=cafile)
    assert PASSWORD not in repr(s) and PASSWORD not in str(s)
    with smtp_server(tls_context=server_tls, require_starttls=True, authenticator=authenticator,
                     auth_required=True) as (rec, port):
        send_package(outdir, None, settings(port, security="starttls", user=USER, password=PASSWORD,
                                            cafile=cafile))
        send_package(outdir, None, settings(port, security="starttls", user=USER, password=PASSWORD,
                                            cafile=cafile))   # a resend: the same saved mail
    assert len(rec.received) == 2
    assert_signed_mail(rec.received[0][1], outdir)
    ids = {parse(raw)["Message-ID"] for _, raw in rec.received}
    assert len(ids) == 1
    assert len(json.loads((outdir / "mail-sent.json").read_text(encoding="utf-8"))) == 2
    secrets = [PASSWORD.encode(), base64.b64encode(PASSWORD.encode()),
               base64.b64encode(f"\0{USER}\0{PASSWORD}".encode())]
    for f in outdir.rglob("*"):
        if f.is_file():
            assert not any(x in f.read_bytes() for x in secrets), f
    out, err = capfd.readouterr()
    logged = out + err + caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records and not any(x.decode() in logged for x in secrets)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_ssl_with_auth(outdir, server_tls, cafile):
    # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; implicit TLS is TLS too.
    with smtp_server(ssl_context=server_tls, authenticator=authenticator, auth_required=True,
                     auth_require_tls=False) as (rec, port):
        send_package(outdir, ["a@example.gov.cn", "b@example.gov.cn"],
                     settings(port, security="ssl", user=USER, password=PASSWORD, cafile=cafile))
    assert len(rec.received) == 1 and rec.received[0][0] == ["a@example.gov.cn", "b@example.gov.cn"]
    assert parse(rec.received[0][1])["To"] == "a@example.gov.cn, b@example.gov.cn"
    assert_signed_mail(rec.received[0][1], outdir)


def test_transient_451_is_retried_and_delivered_once(outdir):
    class Flaky(Recorder):
        async def handle_DATA(self, server, session, envelope):
            if self.data_calls == 0:
                self.data_calls += 1
                return "451 4.3.0 Temporary local problem, try later"
            return await super().handle_DATA(server, session, envelope)

    with smtp_server(Flaky()) as (rec, port):
        delivery = send_package(outdir, None, settings(port))
    assert rec.data_calls == 2 and len(rec.received) == 1
    assert delivery.record["attempts"] == 2


# --- sending: failures (each keeps the .eml) -----------------------------------------------

def failure(outdir: Path, s: SmtpSettings, **kw) -> SendError:
    with pytest.raises(SendError) as e:
        send_package(outdir, None, s, **kw)
    err = e.value
    assert err.exit_code == 4
    assert (outdir / "signoff.eml").is_file() and str(outdir / "signoff.eml") in str(err)
    assert not (outdir / "mail-sent.json").exists()
    return err


def test_unreachable_server(outdir):
    err = failure(outdir, settings(free_port()), retries=1)
    assert err.code == "smtp-unreachable" and "无法连接邮件服务器" in str(err) and "已尝试 2 次" in str(err)


def test_untrusted_certificate_is_a_tls_failure(outdir, server_tls, tmp_path):
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with smtp_server(tls_context=server_tls) as (rec, port):
        err = failure(outdir, settings(port, security="starttls", cafile=str(other)))
    assert err.code == "smtp-tls" and "TLS" in str(err) and not rec.received


def test_auth_refused(outdir, server_tls, cafile):
    with smtp_server(tls_context=server_tls, authenticator=authenticator, auth_required=True) as (rec, port):
        err = failure(outdir, settings(port, security="starttls", user=USER, password="wrong-" + PASSWORD,
                                       cafile=cafile))
    assert err.code == "smtp-auth" and "授权码" in str(err) and PASSWORD not in str(err)
    assert not rec.received


class _Picky(Recorder):
    """Refuses every recipient named nobody@…."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_recipient_refused(outdir):
    with smtp_server(_Picky()) as (rec, port):
        with pytest.raises(SendError) as e:
            send_package(outdir, ["nobody@example.gov.cn"], settings(port))
    assert e.value.code == "smtp-recipient-refused" and "nobody@example.gov.cn" in str(e.value)
    assert "550" in str(e.value) and not rec.received


def test_partly_refused_recipients_are_logged_not_resent(outdir):
    with smtp_server(_Picky()) as (rec, port):
        with pytest.raises(SendError) as e:
            send_package(outdir, ["leader@example.gov.cn", "nobody@example.gov.cn"], settings(port))
    assert e.value.code == "smtp-recipient-refused" and "不会重复收到" in str(e.value)
    assert len(rec.received) == 1 and rec.received[0][0] == ["leader@example.gov.cn"]
    log = json.loads((outdir / "mail-sent.json").read_text(encoding="utf-8"))
    assert log[0]["accepted"] == ["leader@example.gov.cn"] and "nobody@example.gov.cn" in log[0]["refused"]


def test_message_too_large_by_size_extension(outdir):
    with smtp_server(data_size_limit=2000) as (rec, port):
        err = failure(outdir, settings(port))
    assert err.code == "smtp-too-large" and "邮件过大" in str(err) and not rec.received


def test_552_at_end_of_data(outdir):
    class Full(Recorder):
        async def handle_DATA(self, server, session, envelope):
            self.data_calls += 1
            return "552 5.3.4 Message size exceeds fixed maximum message size"

    with smtp_server(Full()) as (rec, port):
        err = failure(outdir, settings(port))
    assert err.code == "smtp-too-large" and rec.data_calls == 1


def test_connection_lost_after_data_is_never_resent(outdir):
    class Drop(Recorder):
        async def handle_DATA(self, server, session, envelope):
            await super().handle_DATA(server, session, envelope)
            server.transport.close()      # the reply to "." never arrives
            return "250 OK"

    with smtp_server(Drop()) as (rec, port):
        err = failure(outdir, settings(port), retries=3)
    assert err.code == "smtp-delivery-unknown" and len(rec.received) == 1


def test_not_configured_keeps_eml(outdir):
    err = failure(outdir, None)
    assert err.code == "smtp-not-configured"


def test_send_refuses_when_files_changed_after_packaging(outdir):
    package(outdir)
    (outdir / "report.pdf").write_bytes(PDF + b"x")
    with smtp_server() as (rec, port):
        with pytest.raises(SendError) as e:
            send_package(outdir, None, settings(port))
    assert e.value.code == "signoff-changed" and "report.pdf" in str(e.value) and not rec.received


# --- settings ---------------------------------------------------------------------------

def test_settings_from_env_and_file(tmp_path, monkeypatch):
    assert load_settings() is None
    cfg = tmp_path / "mail.toml"
    cfg.write_text('[smtp]\nhost = "smtp.example.gov.cn"\nsecurity = "ssl"\nuser = "u@example.gov.cn"\n',
                   encoding="utf-8")
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("NIANBAO_SMTP_PORT", "2465")
    s = load_settings(cfg)
    assert (s.host, s.effective_port, s.security, s.user, s.mail_from) == (
        "smtp.example.gov.cn", 2465, "ssl", "u@example.gov.cn", "u@example.gov.cn")
    assert s.password == PASSWORD and PASSWORD not in repr(s) and "password" not in s.describe()
    cfg.write_text(f'host = "smtp.example.gov.cn"\npassword = "{PASSWORD}"\n', encoding="utf-8")
    with pytest.raises(MailConfigError) as e:
        load_settings(cfg)
    assert "不能写密码" in str(e.value) and PASSWORD not in str(e.value) and e.value.exit_code == 2
    monkeypatch.setenv("NIANBAO_SMTP_HOST", "smtp.example.gov.cn")
    monkeypatch.setenv("NIANBAO_SMTP_SECURITY", "tls1.3")
    with pytest.raises(MailConfigError):
        load_settings()


def test_example_config_is_a_working_mail_toml(tmp_path, monkeypatch, cli):
    """`nianbao mail --example-config` prints a mail.toml whose keys are the
    ones the reader knows; saved as is, it loads (issue 16)."""
    import tomllib

    from nianbao.signoff.smtp import CONFIG_KEYS

    code, out, _ = cli("mail", "--example-config")
    assert code == 0 and "NIANBAO_SMTP_PASSWORD" in out
    assert set(tomllib.loads(out)) <= CONFIG_KEYS
    cfg = tmp_path / "mail.toml"
    cfg.write_text(out, encoding="utf-8")
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", PASSWORD)
    s = load_settings(cfg)
    assert (s.host, s.effective_port, s.security, s.mail_from) == (
        "smtp.example.gov.cn", 465, "ssl", "gongkai@example.gov.cn")
    code, _, err = cli("mail")
    assert code == 2 and "签发包文件夹" in err


def test_config_errors_name_the_file_and_the_key(tmp_path, monkeypatch):
    cfg = tmp_path / "mail.toml"
    cfg.write_text('[smtp]\nhost = "smtp.example.gov.cn"\nport = "四六五"\n', encoding="utf-8")
    with pytest.raises(MailConfigError) as e:
        load_settings(cfg)
    text = e.value.render()
    assert str(cfg) in text and "邮件设置文件中的 port" in text and "四六五" in text
    monkeypatch.setenv("NIANBAO_SMTP_TIMEOUT", "-1")
    cfg.write_text('[smtp]\nhost = "smtp.example.gov.cn"\n', encoding="utf-8")
    with pytest.raises(MailConfigError) as e:
        load_settings(cfg)
    assert "环境变量 NIANBAO_SMTP_TIMEOUT" in e.value.render()
    monkeypatch.delenv("NIANBAO_SMTP_TIMEOUT")
    from nianbao.signoff.smtp import envelope

    msg = email.message.EmailMessage()
    msg["To"] = "a@example.gov.cn"
    with pytest.raises(MailConfigError) as e:          # an [smtp] section without mail_from
        envelope(msg, load_settings(cfg))
    assert "mail_from" in e.value.render() and "--example-config" in e.value.render()


# --- verify -----------------------------------------------------------------------------

def test_verify_outdir_and_single_file(outdir, tmp_path):
    package(outdir)
    r = verify(outdir)
    assert r.exit_code == 0 and "一致" in r.render()
    assert verify(outdir / "report.pdf").exit_code == 0
    copy = tmp_path / "downloaded-from-portal.pdf"          # renamed copy, matched by hash
    copy.write_bytes(PDF)
    r = verify(copy, manifest=outdir / "manifest.json")
    assert r.exit_code == 0 and "report.pdf" in r.render()

    data = bytearray(PDF)
    data[10] ^= 1
    (outdir / "report.pdf").write_bytes(bytes(data))
    r = verify(outdir)
    assert r.exit_code == 1 and r.changed == ["report.pdf"] and "已修改：report.pdf" in r.render()
    assert verify(outdir / "report.pdf").exit_code == 1
    assert verify(outdir / "report.docx").exit_code == 0


def test_verify_missing_and_added(outdir):
    package(outdir)
    (outdir / "report.docx").unlink()
    (outdir / "charts" / "extra.png").write_bytes(b"new")
    r = verify(outdir)
    assert r.exit_code == 1 and r.missing == ["report.docx"] and r.added == ["charts/extra.png"]
    assert "已缺失：report.docx" in r.render() and "charts/extra.png" in r.render()


def test_verify_bad_input(outdir, tmp_path):
    r = verify(outdir)
    assert r.exit_code == 2 and "manifest.json" in r.render()
    (outdir / "manifest.json").write_text("{not json", encoding="utf-8")
    assert verify(outdir).exit_code == 2
    assert verify(outdir / "report.pdf").exit_code == 2
    assert verify(tmp_path / "nope").exit_code == 2


def test_verify_detects_replaced_manifest(outdir):
    package(outdir)
    (outdir / "report.pdf").write_bytes(b"%PDF forged")
    write_manifest(outdir)           # someone regenerates the manifest after the mail was built
    r = verify(outdir)
    assert r.exit_code == 1 and "signoff.eml" in r.render()
