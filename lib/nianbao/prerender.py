"""Draw the charts in a helper process while the notebook's kernel starts.

The runner (``nianbao run``) starts this next to the kernel: a job's kernel
spends its first seconds starting and reading, and a second core is idle
meanwhile. The charts land in a folder that appears at once (a rename) with
the hashes of the workbooks they were drawn from; the notebook's chart step
uses them only if those hashes match, and otherwise draws them itself.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .fsutil import sha256_file

STAMP = "inputs.json"
#: Next to the target while drawing, "failed" in it if drawing failed.
MARK = ".drawing"


def fingerprint(workbook: str | Path, prior: str | Path | None) -> dict:
    def sha(p):
        return sha256_file(p) if p else None

    from . import __version__

    return {"workbook": sha(workbook), "prior": sha(prior), "nianbao": __version__}


def prerender(workbook: str, prior: str | None, target: Path) -> None:
    from .render import render_charts
    from .sources import load_report

    report = load_report(workbook, documents=False)
    prior_report = load_report(prior) if prior else None
    tmp = Path(tempfile.mkdtemp(prefix=".charts-", dir=target.parent))
    try:
        render_charts(report, prior_report, tmp)
        (tmp / STAMP).write_text(json.dumps(fingerprint(workbook, prior)), encoding="utf-8")
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _mark(target: Path) -> Path:
    return target.with_name(target.name + MARK)


def ready(folder: str | Path, workbook: str | Path, prior: str | Path | None,
          wait: float = 15.0) -> dict[str, Path] | None:
    """The pre-drawn charts, if drawn from these very workbooks. While the
    helper is still drawing (its mark is there) wait for it — it is further
    along than starting over — but never longer than ``wait`` seconds."""
    import time

    folder = Path(folder)
    deadline = time.monotonic() + wait
    while not (folder / STAMP).exists() and time.monotonic() < deadline:
        mark = _mark(folder)
        if not mark.exists() or mark.read_text(encoding="utf-8") == "failed":
            break
        time.sleep(0.02)
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stamp != fingerprint(workbook, prior):
        return None
    return {p.stem.removeprefix("chart-"): p for p in sorted(folder.glob("chart-*.png"))}


def main(argv: list[str]) -> None:
    workbook, prior, target = argv
    mark = _mark(Path(target))
    mark.write_text("drawing", encoding="utf-8")
    try:
        prerender(workbook, prior or None, Path(target))
    except Exception:
        mark.write_text("failed", encoding="utf-8")   # the notebook draws the charts itself
    else:
        mark.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
