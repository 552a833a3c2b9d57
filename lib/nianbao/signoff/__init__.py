"""Sign-off (签发) by email: a manifest of every output file with its SHA-256,
a mail (and ``signoff.eml``) quoting those hashes, delivery over SMTP, and
``verify`` to prove a published file is the one that was signed.

The CLI calls ``package``, ``send_package``, ``verify`` and ``load_settings``.
"""
from nianbao.signoff.manifest import write_manifest
from nianbao.signoff.message import build_message, write_eml
from nianbao.signoff.package import Delivery, Package, package, send_package
from nianbao.signoff.smtp import MailConfigError, SendError, SendReport, SmtpSettings, load_settings, send
from nianbao.signoff.verify import VerifyResult, verify

__all__ = ["Delivery", "MailConfigError", "Package", "SendError", "SendReport", "SmtpSettings", "VerifyResult",
           "build_message", "load_settings", "package", "send", "send_package", "verify",
           "write_eml", "write_manifest"]
