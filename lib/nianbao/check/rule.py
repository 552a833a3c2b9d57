"""What a rule is: an ID from the catalogue (report-format.md §2), a severity,
a Chinese title and formula, and a function that yields ``Hit``s.

Rules are plain data so ``nianbao rules`` can list them and an analyst can add
one without touching the runner: write a function, wrap it in ``Rule``, and
``register`` it (or use the ``@rule`` decorator in ``registry``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

if TYPE_CHECKING:
    from .context import Context

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", INFO: "提示"}


class NotRun(Exception):
    """Raised by a rule that cannot run on this report; the reason is shown."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Hit:
    """One violation as a rule sees it; the runner turns it into a Finding.

    ``keys`` are every figure or text (report keys, e.g.
    ``requests.new_received.total`` or ``narrative.requests.text``) feeding
    either side; ``subject`` names what is checked for the fingerprint and
    defaults to the keys, so fixing a number keeps the fingerprint.
    """

    message: str
    keys: Sequence[str] = ()
    expected: object = None
    actual: object = None
    difference: object = None
    left: str = ""               # the formula's left side in words, with values
    right: str = ""              # the right side in words, with values
    subject: str | None = None
    severity: str | None = None  # overrides the rule's severity (e.g. blank involved)


RuleFunc = Callable[["Context"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title_zh: str
    formula_zh: str
    func: RuleFunc = field(compare=False, repr=False)
    needs_prior: bool = False
    source_tag: str = "INFERRED"   # OFFICIAL | STRUCTURAL | INFERRED | PRACTICE
    same_as: str | None = None     # a duplicate view of another rule (E2 = B2)
    #: Other severities the rule reports in named cases, as (severity, when in Chinese):
    #: G5 is a warning, but an unreplaced {占位符} is an error.
    also: tuple[tuple[str, str], ...] = ()
    #: When the rule applies, if not to every report ("仅适用于 2019 年试行格式"), in Chinese.
    applies: str = ""

    def __post_init__(self) -> None:
        for severity in (self.severity, *(s for s, _ in self.also)):
            if severity not in SEVERITIES:
                raise ValueError(f"rule {self.id}: unknown severity {severity!r}")

    def severity_zh(self) -> str:
        """"警告；错误：未替换的 {占位符}…": the severities this rule reports, in Chinese."""
        return "；".join([SEVERITY_ZH[self.severity], *(f"{SEVERITY_ZH[s]}：{when}" for s, when in self.also)])
