"""Extra parameters for an analyst's notebook (``nianbao run --param name=value``),
typed by the notebook's parameters cell.

papermill's ``inspect_notebook`` reads the cell tagged ``parameters``: each
line ``name: type = default  # help`` gives a name, an inferred type name
("str", "int", "float", "bool", "list", "dict", or "None" when not
annotated) and the help text. A value given as a string is converted to that
type; an unknown name, a name the runner sets itself, or a value that does
not fit is bad input (``InputError``, exit code 2) with a Chinese message.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from .errors import InputError, Problem

#: Set by ``nianbao run`` from its own options (the option; "" = the positional
#: workbook); not overridable by --param.
RUNNER_PARAMS = {"workbook": "", "prior_workbook": "--prior", "output_dir": "-o",
                 "formats": "--formats", "strict": "--no-strict", "notebook_path": "--notebook"}

_TRUE = {"true", "1", "yes", "y", "是", "真"}
_FALSE = {"false", "0", "no", "n", "否", "假"}
TYPE_ZH = {"str": "文字", "int": "整数", "float": "数字", "bool": "是/否（true 或 false）",
           "list": "列表（如 [\"a\", \"b\"]）", "dict": "字典（如 {\"a\": 1}）", "None": "任意值"}


def parse_assignments(items: list[str]) -> dict[str, str]:
    """["name=value", …] → {name: value} (strings; typed later)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(Problem("param", f"参数“{item}”的写法不对", expected="名称=值，例如 --param 省份=山东",
                                     fix="在名称和值之间加等号，值中有空格时整体加引号"))
        out[name.strip()] = value
    return out


def declared(notebook: str | Path) -> dict[str, dict]:
    """The notebook's parameters: name → {"inferred_type_name", "default", "help"}."""
    from papermill import inspect_notebook

    return inspect_notebook(str(notebook))


def typed_params(notebook: str | Path, given: dict) -> dict:
    """Check ``given`` against the notebook's parameters cell and convert
    string values to the declared types. Raises ``InputError``."""
    if not given:
        return {}
    params = declared(notebook)
    out = {}
    for name, value in given.items():
        if name in RUNNER_PARAMS:
            raise InputError(Problem("param", f"参数“{name}”由 nianbao run 自己设置，不能用 --param 指定",
                                     file=str(notebook), fix=f"改用命令行选项 {RUNNER_PARAMS[name]}" if RUNNER_PARAMS[name]
                                     else "把工作簿写在 nianbao run 后面：nianbao run 工作簿.xlsx …"))
        if name not in params:
            known = "、".join(n for n in params if n not in RUNNER_PARAMS) or "没有（只有 nianbao run 自己设置的参数）"
            raise InputError(Problem("param", f"笔记本的参数单元格中没有参数“{name}”", file=str(notebook),
                                     expected=f"可用 --param 设置的参数：{known}",
                                     fix="检查参数名称，或在笔记本的参数单元格中先加上这个参数（名称: 类型 = 默认值  # 说明）"))
        kind = params[name].get("inferred_type_name") or "None"
        out[name] = _convert(name, value, kind, notebook) if isinstance(value, str) else value
    return out


def _convert(name: str, text: str, kind: str, notebook) -> object:
    try:
        if kind == "str":
            return text
        if kind == "int":
            return int(text.strip())
        if kind == "float":
            return float(text.strip())
        if kind == "bool":
            low = text.strip().lower()
            if low in _TRUE | _FALSE:
                return low in _TRUE
            raise ValueError(text)
        if kind in ("list", "dict"):
            value = _literal(text)
            if type(value).__name__ != kind:
                raise ValueError(text)
            return value
        try:                                # not annotated: a Python/JSON literal, else the text
            return _literal(text)
        except ValueError:
            return text
    except ValueError:
        raise InputError(Problem("param", f"参数“{name}”的值“{text}”不是{TYPE_ZH.get(kind, kind)}",
                                 file=str(notebook), expected=TYPE_ZH.get(kind, kind),
                                 fix=f"按笔记本参数单元格中声明的类型（{kind}）填写")) from None


def _literal(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(text) from None


def editable_copy(target: str | Path, *, force: bool = False, workbook: str | Path | None = None,
                  prior: str | Path | None = None) -> Path:
    """Write a copy of the shipped notebook for an analyst to change.

    Its parameters cell points at the demo workbooks (or ``workbook`` /
    ``prior``) by absolute path, and its output folder is ``out`` next to
    the copy, so "run all" in JupyterLab works wherever the copy is saved.
    Refuses to overwrite an existing file unless ``force`` (``InputError``).
    """
    import nbformat

    from .fsutil import atomic_write_text
    from .job import NOTEBOOK
    from .outputs import output_file

    for option, given in (("--workbook", workbook), ("--prior", prior)):
        if given and not Path(given).is_file():
            raise InputError(Problem("notebook-input", "工作簿不存在", file=str(given),
                                     expected="已有的 .xlsx 工作簿",
                                     fix=f"检查 {option} 的路径；不给时默认用示例机关的工作簿"))
    target = output_file(target, ".ipynb", force=force, inputs=(NOTEBOOK,))
    demo = NOTEBOOK.parents[1] / "examples" / "demo-agency"
    values = {"workbook": str(Path(workbook or demo / "2024.xlsx").resolve()),
              "prior_workbook": str(Path(prior).resolve()) if prior else
              ("" if workbook else str((demo / "2023.xlsx").resolve())),
              "output_dir": "out"}
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = []
    for line in cell.source.splitlines():
        name = line.split(":", 1)[0].strip()
        if name in values:
            head, _, rest = line.partition("=")
            value, hash_, comment = rest.partition("#")
            line = f"{head}= {json.dumps(values[name], ensure_ascii=False)}  {hash_}{comment}".rstrip()
        lines.append(line)
    cell.source = "\n".join(lines)
    atomic_write_text(target, nbformat.writes(nb))
    return target
