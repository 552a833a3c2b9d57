"""The sign-off package's file names, and reading the job's ``results.json``
(hashing and atomic writes live in ``nianbao.fsutil``)."""
from __future__ import annotations

import json
from pathlib import Path

from nianbao.errors import describe_read_error, input_error

RESULTS = "results.json"
MANIFEST = "manifest.json"
EML = "signoff.eml"
MAIL_LOG = "mail-sent.json"
#: The sign-off's own records. They are written after (or about) the manifest,
#: so they cannot be part of it.
OWN_FILES = frozenset({MANIFEST, EML, MAIL_LOG})


def read_results(outdir: Path) -> dict:
    """The job's summary; the mail and the manifest take their facts from it."""
    path = Path(outdir) / RESULTS
    if not path.is_file():
        raise input_error("results-missing", "输出目录中没有 results.json，无法生成签发材料。",
                          file=str(path), fix="请先运行 nianbao run 生成报告。")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise input_error("results-corrupt", f"results.json 无法读取：{describe_read_error(e)}", file=str(path),
                          fix="请重新运行 nianbao run。") from None
    if not isinstance(data, dict):
        raise input_error("results-corrupt", "results.json 的内容不是一个 JSON 对象。", file=str(path))
    return data


def output_file(outdir: Path, rel: object) -> Path | None:
    """Resolve a path from results.json "files", only if it stays inside OUTDIR
    and exists (any output may be missing, e.g. no PDF)."""
    if not isinstance(rel, str) or not rel:
        return None
    root = Path(outdir).resolve()
    path = (root / rel).resolve()
    if root != path and root not in path.parents:
        return None
    return path if path.is_file() else None
