"""Where a command may write: checked before any work, so a bad output path
gets a clear Chinese message (exit 2) instead of a crash, and nothing the
user gave us — or filled in — is overwritten without ``--force``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .errors import InputError, Problem


def _fail(code: str, path: Path, message: str, fix: str) -> InputError:
    return InputError(Problem(code, message, file=str(path), fix=fix))


def _parent_ready(path: Path, shown: Path | None = None) -> None:
    """Make PATH's folder (or say why not, naming SHOWN, default PATH)."""
    parent = path.parent
    shown = path if shown is None else shown
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise _fail("output-parent-is-file", shown, f"“{probe}”是一个文件，不能在它下面建文件夹",
                    "换一个输出位置")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise _fail("output-no-permission", shown, f"没有权限在“{probe}”中写文件",
                    "换一个有写入权限的位置，或请管理员开放权限")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _fail("output-mkdir", shown, f"无法建立文件夹“{parent}”（{describe_os_error(e)}）", "换一个输出位置")


def output_file(path: str | Path, suffix: str, *, force: bool = False, inputs: tuple = (),
                replaceable: Callable[[Path], bool] | None = None) -> Path:
    """Check an output file path: right suffix, not a folder, not one of the
    inputs, not an existing file unless ``force`` or ``replaceable(path)``
    (e.g. an earlier output of the same command)."""
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise _fail("output-suffix", path, f"输出文件应以 {suffix} 结尾，实际为“{path.name}”",
                    f"把输出文件名改为 {path.stem}{suffix}")
    if path.is_dir():
        raise _fail("output-is-folder", path, "这是一个文件夹，不是文件", f"给出文件名，如 {path / ('输出' + suffix)}")
    for i in inputs:
        if i is not None and Path(i).exists() and path.exists() and Path(i).resolve() == path.resolve():
            raise _fail("output-is-input", path, "输出文件与输入文件相同，nianbao 不会覆盖用户提供的文件",
                        "用 -o 指定另一个输出文件名")
    if path.exists() and not force and not (replaceable and replaceable(path)):
        raise _fail("output-exists", path, "输出文件已存在，为免覆盖已有的数据，未写入",
                    "换一个文件名，或加 --force 覆盖")
    _parent_ready(path)
    return path


def output_dir(path: str | Path) -> Path:
    """Check (and create) a job's output folder; returns it absolute."""
    path = Path(path).resolve()
    if path.exists() and not path.is_dir():
        raise _fail("output-dir-is-file", path, "输出位置是一个文件，不是文件夹", "用 -o 指定一个文件夹")
    _parent_ready(path / "x", shown=path)     # makes PATH itself
    if not os.access(path, os.W_OK | os.X_OK):
        raise _fail("output-no-permission", path, "没有权限在这个文件夹中写文件", "换一个有写入权限的文件夹")
    return path


_ERRNO_ZH = {
    "EACCES": "没有权限", "EPERM": "没有权限", "ENOENT": "找不到文件或文件夹", "EISDIR": "这是一个文件夹",
    "ENOTDIR": "路径中有一段不是文件夹", "ENOSPC": "磁盘空间不足", "EROFS": "只读的磁盘", "EEXIST": "已存在",
    "ENAMETOOLONG": "文件名太长", "EMFILE": "打开的文件太多", "EDQUOT": "超出磁盘配额",
}


def describe_os_error(e: OSError) -> str:
    import errno

    name = errno.errorcode.get(e.errno or 0, "")
    return _ERRNO_ZH.get(name, "系统错误")


def os_error_problem(e: OSError) -> Problem:
    """An OSError as a message for staff (which file, what happened)."""
    return Problem("os-error", f"无法读写文件：{describe_os_error(e)}", file=e.filename and str(e.filename),
                   fix="检查路径是否正确、磁盘空间和文件权限；文件是否正被其他程序（如 Excel）打开")
