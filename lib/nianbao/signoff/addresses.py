"""E-mail addresses we read (the workbook's 签发人邮箱, the mail config,
``--to``/``--mail-to``) are checked before anything is written: each must be
exactly one plain address (``name@domain``), with no line break, comma or
header text smuggled in — a "签发人邮箱" cell holding ``a@b.cn`` + line break +
``Bcc: x@y`` must not make x@y a recipient.

Checked with the standard library (``email.utils.parseaddr`` and
``email.headerregistry.Address``), per RFC 5322 addr-spec.
"""
from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr

from nianbao.errors import InputError, Problem


def is_address(text: str) -> bool:
    """True if TEXT is one plain address ``local@domain`` and nothing else."""
    if not isinstance(text, str) or not text or any(c in text for c in "\r\n\t ,;<>\"'()") or text.count("@") != 1:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return False
    name, addr = parseaddr(text)
    if name or addr != text:
        return False
    try:
        a = Address(addr_spec=text)
    except (ValueError, HeaderParseError, IndexError):
        return False
    return bool(a.username and a.domain and "." in a.domain and not a.domain.startswith(".")
                and not a.domain.endswith("."))


def split_addresses(value) -> list[str]:
    """Addresses from a list or a string, each item split at ; , and their
    full-width forms or white space (the workbook's 签发人邮箱 and the
    messages say "多个用分号隔开"); empty items and repeats dropped, not checked."""
    items = [value] if isinstance(value, str) else list(value or [])
    found = [a for item in items if item for a in re.split(r"[;,；，\s]+", str(item)) if a]
    return list(dict.fromkeys(found))                  # each once, in the order given


def check_addresses(values, *, what: str, file: str | None = None, sheet: str | None = None,
                    cell: str | None = None, fix: str | None = None) -> list[str]:
    """Return VALUES (a list of strings) if every one is an address; else
    raise ``InputError`` (exit 2) naming WHAT and where it came from."""
    values = [values] if isinstance(values, str) else list(values or [])
    bad = [v for v in values if not is_address(str(v))]
    if bad:
        shown = "、".join(f"“{str(v).encode('unicode_escape').decode('ascii')[:60]}”"
                         if any(ord(c) < 32 for c in str(v)) else f"“{str(v)[:60]}”" for v in bad)
        raise InputError(Problem("bad-address", f"{what}不是有效的电子邮箱地址：{shown}", file=file, sheet=sheet,
                                 cell=cell, expected="每项一个邮箱地址，如 leader@example.gov.cn；多个用分号隔开，不含换行",
                                 fix=fix or "改正后重新运行"))
    return [str(v) for v in values]
