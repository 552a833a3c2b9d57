"""Atomic publication of a run's package in an output folder F.

Layout of F (POSIX)::

    F/.nianbao/lock              the folder lock: one run at a time
    F/.nianbao/staging/<id>/     a run being built; a killed run leaves it, the next run removes it
    F/.nianbao/runs/<id>/        complete packages (the newest ``keep`` are kept)
    F/current -> .nianbao/runs/<id>          the published package (relative symlink)
    F/report.docx -> current/report.docx     one stable link per top-level name of the package

A run builds its whole package (reports, charts, checks, notebook,
results.json, manifest.json, signoff.eml) in ``staging/<id>``, renames it to
``runs/<id>`` and then switches ``current`` with one ``os.replace`` of a new
symlink: until that instant the earlier package is whole, after it the new
one is. A name in F that is not our link (the user's own ``report.docx``) is
never touched; the package's copy is then reached as ``F/current/report.docx``.

Where symlinks cannot be made (Windows without Developer Mode), the current
run's id is written to ``F/.nianbao/current.txt`` (also by one ``os.replace``)
and the package is read from ``F/.nianbao/runs/<id>/``; F's top level then
holds no links.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .errors import InputError, NianbaoError, Problem

STATE = ".nianbao"
CURRENT = "current"
POINTER = "current.txt"
LOCK = "lock"
#: Packages kept (the current one included) unless NIANBAO_KEEP_RUNS says otherwise.
KEEP = 3
#: Seconds a run waits for another run into the same folder (NIANBAO_LOCK_WAIT).
LOCK_WAIT = 10.0


class FolderBusy(NianbaoError):
    """Another run holds the output folder's lock (exit 2; not an input problem)."""

    exit_code = 2


#: The settings read from the environment: name → (type, default, what the value must be).
_SETTINGS = {"NIANBAO_KEEP_RUNS": (int, KEEP, "整数"), "NIANBAO_LOCK_WAIT": (float, LOCK_WAIT, "秒数")}


def _setting(name: str) -> tuple[float, str | None]:
    """The value of setting ``name`` (its default when unset or unreadable),
    and a note when it was set but could not be read."""
    kind, default, what = _SETTINGS[name]
    raw = os.environ.get(name)
    try:
        return (default if raw is None else kind(raw)), None
    except ValueError:
        return default, f"注意：环境变量 {name} 的值“{raw}”不是{what}，按默认值 {default:g} 处理。"


def setting_notes() -> list[str]:
    """A line per NIANBAO_KEEP_RUNS / NIANBAO_LOCK_WAIT value that cannot be
    read (the default is used then: said, not silent)."""
    return [note for name in _SETTINGS if (note := _setting(name)[1])]


def keep_runs() -> int:
    return max(1, int(_setting("NIANBAO_KEEP_RUNS")[0]))


def lock_wait() -> float:
    return max(0.0, float(_setting("NIANBAO_LOCK_WAIT")[0]))


@contextmanager
def folder_lock(folder: Path, wait: float | None = None) -> Iterator[None]:
    """Hold F's lock (an OS lock via ``filelock``: released when the process
    dies, whatever killed it). Raises ``FolderBusy`` after ``wait`` seconds."""
    from filelock import FileLock, Timeout

    state = Path(folder) / STATE
    state.mkdir(parents=True, exist_ok=True)
    wait = lock_wait() if wait is None else wait
    lock = FileLock(str(state / LOCK), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise FolderBusy(Problem(
            "folder-busy", f"另一个 nianbao 作业正在向这个输出文件夹写入，等待 {wait:g} 秒后仍未结束，本次未运行",
            file=str(folder), fix="等另一个作业结束后再运行，或用 -o 指定另一个输出文件夹"
                                  "（这不是工作簿的问题）")) from None
    try:
        yield
    finally:
        lock.release()


def package_dir(folder: str | Path) -> Path:
    """The folder holding F's published package: ``F/current`` (resolved),
    the run named in ``F/.nianbao/current.txt``, or F itself (a package made
    before this layout, or a plain copy of one)."""
    folder = Path(folder)
    cur = folder / CURRENT
    if cur.is_symlink() and cur.is_dir():
        return cur.resolve()
    try:
        run = (folder / STATE / POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return folder
    path = folder / STATE / "runs" / run
    return path if run and path.is_dir() else folder


def signed_dir(folder: str | Path) -> Path | None:
    """F's most recent *signed* package (one holding manifest.json): the
    current one if signed, else the newest signed run kept in
    ``F/.nianbao/runs``. A run with errors, or a failed one, becomes current
    (its checks.xlsx and results.json are what staff need next) but is not
    signed; the package signed before it is kept and still verifies."""
    current = package_dir(folder)
    if (current / "manifest.json").is_file():
        return current
    runs = Path(folder) / STATE / "runs"
    signed = [p for p in sorted(runs.iterdir(), reverse=True)
              if p.is_dir() and (p / "manifest.json").is_file()] if runs.is_dir() else []
    return signed[0] if signed else None


def clear_stale(folder: Path) -> list[str]:
    """Remove staging folders of dead runs (call with the lock held: no live
    run can own one). Returns their names."""
    staging = Path(folder) / STATE / "staging"
    found = sorted(staging.iterdir()) if staging.is_dir() else []
    found += [p for p in Path(folder).glob(f".{CURRENT}-*") if p.is_symlink()]   # a link made just before a kill
    for p in found:
        _remove(p)
    return [p.name for p in found]


def _remove(path: Path) -> None:
    """Remove a file, link or folder; what cannot be removed is left (and
    ignored: it is never part of a package)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass


def begin(folder: Path) -> Path:
    """A new, empty staging folder for one run."""
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    staging = Path(folder) / STATE / "staging" / run_id
    staging.mkdir(parents=True)
    return staging


def tidy(package: Path) -> None:
    """Drop what is not part of a package: hidden entries at its top level
    (helpers' scratch folders) and any non-regular file (e.g. a kernel's IPC
    socket) anywhere in it."""
    for p in list(Path(package).iterdir()):
        if p.name.startswith("."):
            _remove(p)
    for dirpath, dirnames, filenames in os.walk(package):
        for name in filenames:
            p = Path(dirpath) / name
            if p.is_symlink() or not p.is_file():
                _remove(p)


@dataclass
class Publication:
    run_dir: Path
    kept: list[str] = field(default_factory=list)       # user's own files left in place of a link
    pruned: list[str] = field(default_factory=list)

    def render(self) -> str:
        if not self.kept:
            return ""
        names = "、".join(self.kept)
        return (f"输出文件夹中原有的 {names} 不是 nianbao 生成的，保留未动；"
                f"本次生成的同名文件在 {CURRENT}/ 中。")


def _ours(link: Path) -> bool:
    """A top-level link we made (it points into current/)."""
    try:
        return link.is_symlink() and Path(os.readlink(link)).parts[:1] == (CURRENT,)
    except OSError:
        return False


def legacy_outputs(folder: Path) -> set[Path]:
    """Files an older nianbao (before this layout) wrote directly in F — the
    fixed names plus what its results.json lists — if F's top-level
    results.json is a regular file written by nianbao. Only these may be
    replaced by links."""
    results = Path(folder) / "results.json"
    if results.is_symlink() or not results.is_file():
        return set()
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict) or "nianbao" not in data:
        return set()
    from .job import OUTPUTS

    names = {Path(n) for n in OUTPUTS} | {Path("charts")}
    files = data.get("files") if isinstance(data.get("files"), dict) else {}
    for value in files.values():
        for rel in value if isinstance(value, list) else [value]:
            p = Path(str(rel))
            if not p.is_absolute() and ".." not in p.parts:
                names.add(p)
    return names


def _remove_legacy(folder: Path) -> None:
    for rel in sorted(legacy_outputs(folder), key=lambda p: len(p.parts), reverse=True):
        p = folder / rel
        if p.is_file() and not p.is_symlink():
            p.unlink()
    charts = folder / "charts"
    if charts.is_dir() and not charts.is_symlink() and not any(charts.iterdir()):
        charts.rmdir()


def check_folder(folder: Path) -> None:
    """Refuse (``InputError``, exit 2) a folder whose ``current`` is not our
    link — e.g. a copy of a package made without keeping links."""
    cur = Path(folder) / CURRENT
    if cur.exists() and not cur.is_symlink():
        raise InputError(Problem(
            "current-not-ours", f"输出文件夹中的“{CURRENT}”不是 nianbao 建立的链接（可能是复制来的签发包），"
            "无法在这里发布新的签发包", file=str(cur),
            fix=f"用 -o 指定另一个文件夹，或移走“{CURRENT}”后重新运行"))


def publish(folder: Path, staging: Path, keep: int | None = None) -> Publication:
    """Make the package built in ``staging`` F's current one (call with the
    lock held). Returns where it now lives and which top-level names were
    left to the user."""
    folder = Path(folder)
    runs = folder / STATE / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    run_dir = runs / staging.name
    os.replace(staging, run_dir)
    pub = Publication(run_dir)
    cur = folder / CURRENT
    check_folder(folder)
    _remove_legacy(folder)
    names = sorted(p.name for p in run_dir.iterdir() if not p.name.startswith("."))
    try:
        tmp = folder / f".{CURRENT}-{run_dir.name}"
        os.symlink(Path(STATE) / "runs" / run_dir.name, tmp, target_is_directory=True)
    except (OSError, NotImplementedError):
        _point(folder, run_dir.name)             # no symlinks here: the pointer file is the switch
    else:
        for name in names:
            link = folder / name
            if _ours(link):
                continue
            if link.exists() or link.is_symlink():
                pub.kept.append(name)
                continue
            os.symlink(Path(CURRENT) / name, link)
        os.replace(tmp, cur)                     # the switch
        _point(folder, run_dir.name)
        for link in folder.iterdir():            # names the new package does not have
            if link.name not in names and _ours(link):
                link.unlink()
    pub.pruned = prune(folder, keep)
    return pub


def link_top_level(folder: Path, name: str) -> Path:
    """After publication (e.g. ``mail-sent.json`` written later): give NAME of
    the current package a top-level link in F, unless F already holds that
    name. Returns the path to show staff."""
    folder = Path(folder)
    link = folder / name
    if (folder / CURRENT).is_symlink() and not (link.exists() or link.is_symlink()):
        try:
            os.symlink(Path(CURRENT) / name, link)
        except OSError:
            return package_dir(folder) / name
    return link if _ours(link) else package_dir(folder) / name


def _point(folder: Path, run_id: str) -> None:
    from .fsutil import atomic_write_text

    atomic_write_text(folder / STATE / POINTER, run_id + "\n")


def prune(folder: Path, keep: int | None = None) -> list[str]:
    """Remove all but the newest ``keep`` packages; never the current one,
    nor the most recent signed one (``signed_dir``)."""
    keep = keep_runs() if keep is None else max(1, keep)
    runs = Path(folder) / STATE / "runs"
    spared = {package_dir(folder).name, getattr(signed_dir(folder), "name", None)}
    old = [p for p in sorted(runs.iterdir(), reverse=True) if p.is_dir() and p.name not in spared][keep - 1:]
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in old]
