"""Delivery over SMTP: settings, a bounded retry that never sends two copies,
and failures as clear Chinese messages.

Settings come from ``NIANBAO_SMTP_*`` environment variables or a TOML file
(``~/.config/nianbao/mail.toml`` or a given path) for everything but the
password: a password in a file ends up in backups and screenshots, so the file
is refused if it holds one. The password lives only in ``SmtpSettings.password``
(hidden from repr) and is passed to ``smtplib`` for AUTH; it is never logged,
written or quoted in an error.

``NIANBAO_SMTP_CAFILE`` / ``cafile`` names a PEM file of CA certificates to
trust instead of the system store (an office's internal mail server, or the
tests' own CA); ``NIANBAO_SMTP_TIMEOUT`` / ``timeout`` is in seconds (30).
"""
from __future__ import annotations

import base64
import logging
import os
import re
import smtplib
import socket
import ssl
import time
import tomllib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Callable, Mapping

from nianbao.errors import describe_read_error, NianbaoError, Problem

log = logging.getLogger("nianbao.signoff")

SECURITY = ("ssl", "starttls", "none")
DEFAULT_PORT = {"ssl": 465, "starttls": 587, "none": 25}
CONFIG_KEYS = {"host", "port", "security", "user", "mail_from", "cafile", "timeout"}
_ENV = {"host": "NIANBAO_SMTP_HOST", "port": "NIANBAO_SMTP_PORT",
        "security": "NIANBAO_SMTP_SECURITY", "user": "NIANBAO_SMTP_USER",
        "mail_from": "NIANBAO_MAIL_FROM", "cafile": "NIANBAO_SMTP_CAFILE",
        "timeout": "NIANBAO_SMTP_TIMEOUT"}
PASSWORD_ENV = "NIANBAO_SMTP_PASSWORD"

#: ``nianbao mail --example-config``: every key a mail.toml may hold.
EXAMPLE_CONFIG = """\
# nianbao 邮件设置：~/.config/nianbao/mail.toml（或用 --config 指定）。
# 每一项都可以用环境变量覆盖（括号中）；密码（或邮箱授权码）不能写在这里，
# 只能用环境变量 NIANBAO_SMTP_PASSWORD。项可以写在顶层，也可以写在 [smtp] 节中。

host = "smtp.example.gov.cn"      # 邮件服务器（NIANBAO_SMTP_HOST）；不设置则只保存 signoff.eml、不发送
port = 465                        # 端口（NIANBAO_SMTP_PORT）；不写时 ssl 用 465，starttls 用 587，none 用 25
security = "ssl"                  # ssl、starttls 或 none（NIANBAO_SMTP_SECURITY）
user = "gongkai@example.gov.cn"   # 登录用户名（NIANBAO_SMTP_USER）；服务器不要求登录时删去
mail_from = "gongkai@example.gov.cn"  # 发件人地址（NIANBAO_MAIL_FROM）；不写时用 user
# cafile = "/etc/ssl/单位内部CA.pem"  # 服务器用单位内部证书时，其 CA 证书（NIANBAO_SMTP_CAFILE）
# timeout = 30                    # 连接超时，秒（NIANBAO_SMTP_TIMEOUT）
"""


class MailConfigError(NianbaoError):
    """The mail settings cannot be used as they are (bad input, exit code 2)."""


class SendError(NianbaoError):
    """The sign-off mail was not (or not surely) delivered (exit code 4).

    ``code`` is stable (e.g. ``smtp-auth``); ``transient`` says whether a later
    retry may succeed; ``report`` is set when some recipients did receive it.
    """

    exit_code = 4

    def __init__(self, problem: Problem, *, transient: bool = False,
                 report: "SendReport | None" = None):
        self.code = problem.code
        self.transient = transient
        self.report = report
        super().__init__(problem)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. ``dataclasses.asdict`` would include the
    password: use ``describe()`` for anything that is shown or stored."""

    host: str
    port: int = 0                        # 0: the usual port for ``security``
    security: str = "starttls"           # ssl | starttls | none
    user: str | None = None
    password: str | None = field(default=None, repr=False, compare=False)
    mail_from: str | None = None
    cafile: str | None = None            # PEM CA bundle to trust instead of the system's
    timeout: float = 30.0
    retry_delay: float = 2.0             # seconds, times the attempt number

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORT[self.security]

    def describe(self) -> dict:
        return {"host": self.host, "port": self.effective_port, "security": self.security,
                "user": self.user, "mail_from": self.mail_from}

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)


def _config_error(code: str, message: str, file: str | None = None, fix: str | None = None):
    return MailConfigError(Problem(code, message, file=file, fix=fix))


def default_config_path(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "nianbao" / "mail.toml"


def _read_config(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise _config_error("mail-config-unreadable", f"邮件配置文件无法读取：{describe_read_error(e)}",
                            str(path)) from None
    if isinstance(data.get("smtp"), dict):
        data = {**{k: v for k, v in data.items() if k != "smtp"}, **data["smtp"]}
    if "from" in data:
        data.setdefault("mail_from", data.pop("from"))
    if any("pass" in k.lower() or k.lower() in ("secret", "token", "授权码") for k in data):
        raise _config_error("mail-config-password", "邮件配置文件中不能写密码（或授权码）。", str(path),
                            "请删除该项，改用环境变量 NIANBAO_SMTP_PASSWORD 提供密码。")
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise _config_error("mail-config-unknown-key", f"邮件配置文件中有无法识别的项：{'、'.join(unknown)}。",
                            str(path), f"可用的项：{'、'.join(sorted(CONFIG_KEYS))}。")
    return data


def load_settings(config_path: str | Path | None = None,
                  env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """Settings from the config file, overridden by environment variables.
    ``None`` when no server is configured (the .eml is then the deliverable)."""
    env = os.environ if env is None else env
    if config_path is not None:
        path = Path(config_path)
        if not path.is_file():
            raise _config_error("mail-config-missing", "找不到指定的邮件配置文件。", str(path))
        values = _read_config(path)
    else:
        path = default_config_path(env)
        values = _read_config(path) if path.is_file() else {}
    src = str(path) if values else None
    origin = {k: f"邮件设置文件中的 {k}" for k in values}
    for key, var in _ENV.items():
        if env.get(var):
            values[key] = env[var]
            origin[key] = f"环境变量 {var}"
    password = env.get(PASSWORD_ENV) or None
    if not values.get("host"):
        return None
    def number(key: str, default, kind, valid, expected: str):
        try:
            value = kind(values.get(key) or default)
        except (TypeError, ValueError):
            value = None
        if value is None or not valid(value):
            raise _config_error("mail-config-value", f"{origin[key]} 的值“{values.get(key)}”无效。", src,
                                f"应为{expected}。")
        return value

    port = number("port", 0, int, lambda v: 0 <= v <= 65535, " 1–65535 的整数（如 465 或 587）")
    timeout = number("timeout", 30, float, lambda v: v > 0, "大于 0 的秒数（如 30）")
    security = str(values.get("security") or "starttls").strip().lower()
    if security not in SECURITY:
        raise _config_error("mail-config-security", f"{origin['security']} 的值“{security}”无效。", src,
                            "应为 ssl（端口 465）、starttls（端口 587）或 none。")
    user = str(values["user"]) if values.get("user") else None
    if user and not password:
        raise _config_error("mail-config-no-password", f"已设置用户名“{user}”，但没有设置密码。", src,
                            "请用环境变量 NIANBAO_SMTP_PASSWORD 提供密码（或邮箱授权码）。")
    if password and not user:
        raise _config_error("mail-config-no-user", "设置了 NIANBAO_SMTP_PASSWORD，但没有设置用户名。", src,
                            "请设置 NIANBAO_SMTP_USER。")
    mail_from = values.get("mail_from") or (user if user and "@" in user else None)
    return SmtpSettings(host=str(values["host"]), port=port, security=security, user=user,
                        password=password, mail_from=mail_from,
                        cafile=str(values["cafile"]) if values.get("cafile") else None,
                        timeout=timeout)


@dataclass
class SendReport:
    """What the server accepted, for the send log."""

    accepted: list[str]
    refused: dict[str, str]
    attempts: int
    reply: str


@dataclass
class _Progress:
    """How far one attempt got. ``data_sent`` is set the moment the message
    body starts going out: after that, only an explicit refusal from the
    server proves the mail was not accepted, so anything else is not retried."""

    phase: str = "connect"
    data_sent: bool = False


def _scrub(text: str, settings: SmtpSettings) -> str:
    """Remove the password (and the base64 forms AUTH sends) from server text."""
    text = text.strip().rstrip(".。")
    pw = settings.password
    if not pw:
        return text
    forms = {pw, base64.b64encode(pw.encode()).decode(),
             base64.b64encode(f"\0{settings.user or ''}\0{pw}".encode()).decode()}
    for f in sorted(forms, key=len, reverse=True):
        text = text.replace(f, "***")
    return text


def _reply(exc: smtplib.SMTPResponseException, settings: SmtpSettings) -> str:
    msg = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return _scrub(f"{exc.smtp_code} {msg}".strip(), settings)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n / 1024:.0f} KB"


def _dot_stuff(data: bytes) -> bytes:
    data = re.sub(rb"\r\n|\n|\r", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _attempt(data: bytes, sender: str, rcpts: list[str], s: SmtpSettings, p: _Progress) -> SendReport:
    helo = socket.gethostname() or "localhost"     # getfqdn() may wait on DNS
    if s.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.effective_port, helo, timeout=s.timeout,
                                              context=s.tls_context())
    else:
        smtp = smtplib.SMTP(s.host, s.effective_port, helo, timeout=s.timeout)
    smtp.set_debuglevel(0)   # debug output would print the AUTH line
    try:
        p.phase = "ehlo"
        smtp.ehlo_or_helo_if_needed()
        if s.security == "starttls":
            p.phase = "tls"
            smtp.starttls(context=s.tls_context())
            smtp.ehlo()
        if s.user:
            p.phase = "auth"
            smtp.login(s.user, s.password or "")
        p.phase = "mail"
        options = []
        if smtp.has_extn("size"):
            limit = int((smtp.esmtp_features.get("size") or "0").split()[0] or 0)
            if limit and len(data) > limit:
                raise smtplib.SMTPSenderRefused(552, f"SIZE {limit}".encode(), sender)
            options.append(f"SIZE={len(data)}")
        code, resp = smtp.mail(sender, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, resp, sender)
        p.phase = "rcpt"
        refused: dict[str, tuple[int, bytes]] = {}
        for r in rcpts:
            code, resp = smtp.rcpt(r)
            if code not in (250, 251):
                refused[r] = (code, resp)
        if len(refused) == len(rcpts):
            raise smtplib.SMTPRecipientsRefused(refused)
        p.phase = "data"
        code, resp = smtp.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPDataError(code, resp)
        p.data_sent = True
        smtp.send(_dot_stuff(data))
        code, resp = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, resp)
        p.phase = "accepted"
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass   # delivered; a failed goodbye changes nothing
        return SendReport(
            accepted=[r for r in rcpts if r not in refused],
            refused={r: _scrub(f"{c} {m.decode('utf-8', 'replace')}", s) for r, (c, m) in refused.items()},
            attempts=0, reply=_scrub(f"{code} {resp.decode('utf-8', 'replace')}", s))
    finally:
        smtp.close()


def _classify(exc: BaseException, p: _Progress, s: SmtpSettings, eml: Path | None,
              attempts: int) -> SendError:
    where = f"{s.host}:{s.effective_port}"
    code, msg, fix, transient = "smtp-failed", f"发送失败：{_scrub(str(exc), s)}", None, False
    if p.data_sent and not isinstance(exc, smtplib.SMTPResponseException):
        code = "smtp-delivery-unknown"
        msg = (f"邮件内容已发给服务器 {where}，但没有收到确认（{type(exc).__name__}）。服务器可能已收到该邮件，"
               "为避免重复发送，没有自动重发。")
        fix = "请先向收件人确认是否收到，再决定是否用 nianbao mail 重新发送。"
    elif isinstance(exc, ssl.SSLError) or (isinstance(exc, smtplib.SMTPNotSupportedError) and p.phase == "tls"):
        code = "smtp-tls"
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)
        msg = f"与邮件服务器 {where} 建立加密连接（TLS）失败：{_scrub(str(reason), s)}。"
        fix = ("请检查 NIANBAO_SMTP_SECURITY（ssl 用 465 端口，starttls 用 587 端口）是否与服务器一致；"
               "服务器使用单位内部证书时，请用 NIANBAO_SMTP_CAFILE 指定其 CA 证书。")
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        code = "smtp-auth"
        msg = f"邮件服务器 {where} 拒绝了用户“{s.user}”的身份验证（{_reply(exc, s)}）。"
        fix = "请检查 NIANBAO_SMTP_USER 和 NIANBAO_SMTP_PASSWORD；QQ、163 等邮箱须使用“授权码”而非登录密码。"
    elif p.phase == "auth" and isinstance(exc, smtplib.SMTPException) and not isinstance(
            exc, (smtplib.SMTPResponseException, smtplib.SMTPServerDisconnected)):
        code = "smtp-auth"
        msg = f"邮件服务器 {where} 不支持身份验证，或不接受可用的验证方式：{_scrub(str(exc), s)}。"
        fix = "很多服务器只在加密连接后允许登录，请设置 NIANBAO_SMTP_SECURITY=starttls 或 ssl。"
    elif isinstance(exc, UnicodeError):
        if p.phase == "auth":
            code, msg = "smtp-auth", "用户名或密码含有非 ASCII 字符，SMTP 登录无法使用。"
            fix = "请使用邮箱的授权码，或只含英文字母、数字和符号的密码。"
        else:
            code, msg = "smtp-address", "发件人或收件人地址含有非 ASCII 字符，该服务器无法发送。"
            fix = "请改用只含英文字母、数字和符号的邮箱地址。"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        bad = {r: (c, m.decode("utf-8", "replace") if isinstance(m, bytes) else str(m))
               for r, (c, m) in exc.recipients.items()}
        transient = all(400 <= c < 500 for c, _ in bad.values())
        code = "smtp-temporary" if transient else "smtp-recipient-refused"
        listed = "；".join(f"{r}（{c} {_scrub(m, s)}）" for r, (c, m) in bad.items())
        msg = f"邮件服务器拒收收件人：{listed}。"
        fix = None if transient else "请核对收件人地址（--mail-to 或工作簿“基本信息”中的签发人邮箱）。"
    elif isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 552:
        code = "smtp-too-large"
        reply = _reply(exc, s)
        m = re.match(r"552 SIZE (\d+)$", reply)
        msg = (f"签发邮件过大，超过服务器允许的 {_size(int(m.group(1)))}。" if m
               else f"邮件服务器以“邮件过大”拒收（{reply}）。")
        fix = "可用 --formats 减少附件格式后重新生成，或将附件改用其他方式传送。"
    elif isinstance(exc, smtplib.SMTPResponseException):
        transient = 400 <= exc.smtp_code < 500
        code = "smtp-temporary" if transient else "smtp-rejected"
        msg = (f"邮件服务器 {where} {'暂时无法接收邮件' if transient else '拒收了邮件'}（{_reply(exc, s)}）。")
    elif isinstance(exc, socket.gaierror):
        code = "smtp-unreachable"
        msg = f"找不到邮件服务器“{s.host}”（域名无法解析）。"
        fix = "请检查 NIANBAO_SMTP_HOST。"
    elif isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
        code, transient = "smtp-unreachable", True
        reason = "连接超时" if isinstance(exc, TimeoutError) else "连接被拒绝" if isinstance(
            exc, ConnectionRefusedError) else "连接中断" if p.phase != "connect" else type(exc).__name__
        msg = f"无法连接邮件服务器 {where}（{reason}）。"
        fix = "请检查 NIANBAO_SMTP_HOST、NIANBAO_SMTP_PORT 和网络连接。"
    if transient and attempts > 1:
        msg += f"已尝试 {attempts} 次。"
    if eml is not None:
        msg += f"签发邮件已保存在 {eml}，可用邮件客户端手工发送。"
    return SendError(Problem(code, msg, fix=fix), transient=transient)


def envelope(msg: EmailMessage, settings: SmtpSettings,
             recipients: list[str] | None = None) -> tuple[str, list[str]]:
    sender = parseaddr(settings.mail_from or str(msg.get("From") or ""))[1]
    rcpts = recipients or [a for _, a in getaddresses([str(v) for v in msg.get_all("To", []) +
                                                      msg.get_all("Cc", [])]) if a]
    if not sender:
        raise _config_error("mail-no-sender", "没有设置发件人地址。",
                            fix="在邮件设置文件中写 mail_from = \"地址\"（或 user 写成邮箱地址），"
                                "或设置环境变量 NIANBAO_MAIL_FROM。示例：nianbao mail --example-config")
    if not rcpts:
        raise _config_error("mail-no-recipient", "没有收件人。",
                            fix="请用 --mail-to 指定，或在工作簿“基本信息”中填写签发人邮箱。")
    return sender, rcpts


def send(msg: EmailMessage | bytes, settings: SmtpSettings, *, retries: int = 2,
         recipients: list[str] | None = None, eml_path: Path | None = None,
         sleep: Callable[[float], None] = time.sleep) -> SendReport:
    """Send once, retrying (at most ``retries`` more times) only transient
    failures that happened before the server could have accepted the data."""
    from nianbao.signoff.message import POLICY
    if isinstance(msg, bytes):
        from email import message_from_bytes
        data, msg = msg, message_from_bytes(msg, policy=POLICY)
    else:
        data = msg.as_bytes(policy=POLICY)
    sender, rcpts = envelope(msg, settings, recipients)
    attempt = 0
    while True:
        attempt += 1
        progress = _Progress()
        log.info("发送签发邮件：%s:%s（%s），第 %d 次", settings.host, settings.effective_port,
                 settings.security, attempt)
        try:
            report = _attempt(data, sender, rcpts, settings, progress)
        except (smtplib.SMTPException, OSError, UnicodeError) as exc:
            err = _classify(exc, progress, settings, eml_path, attempt)
            if not err.transient or attempt > retries:
                raise err from None
            delay = settings.retry_delay * attempt
            brief = _classify(exc, progress, settings, None, 1).problems[0].message
            log.warning("第 %d 次发送失败：%s%g 秒后重试（还会再试 %d 次）。", attempt, brief, delay,
                        retries - attempt + 1)
            sleep(delay)
            continue
        report.attempts = attempt
        log.info("签发邮件已被服务器接收：%s", "、".join(report.accepted))
        if report.refused:
            listed = "；".join(f"{r}（{m}）" for r, m in report.refused.items())
            raise SendError(Problem(
                "smtp-recipient-refused",
                f"邮件已发给 {'、'.join(report.accepted)}，但服务器拒收：{listed}。",
                fix="请核对被拒收的地址后单独发送；已收到的收件人不会重复收到。"), report=report)
        return report
