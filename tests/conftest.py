"""Shared fixtures: paths to the examples and the shared samples, and a
helper that runs the real ``nianbao`` CLI in-process."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_JSON = SHARED / "samples" / "seed" / "zibo-fao-2023.expected.json"
SAMPLE_JSONS = [SEED_JSON, *sorted((SHARED / "samples" / "published").glob("*/expected.json"))]
EXAMPLES = ROOT / "examples"
DEMO_2023 = EXAMPLES / "demo-agency" / "2023.xlsx"
DEMO_2024 = EXAMPLES / "demo-agency" / "2024.xlsx"
ZIBO_2023 = EXAMPLES / "zibo-fao" / "2023.xlsx"


#: Why a test that needs the shared samples is skipped in a clone without them.
NO_SHARED = f"需要 ../shared 中的真实样本（{SHARED} 不存在）：单独克隆本项目时跳过"

#: ``@needs_shared`` on a test (or ``pytestmark = needs_shared``) skips it when ../shared is absent.
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=NO_SHARED)


def _about_shared(text: str) -> bool:
    return not SHARED.is_dir() and str(SHARED) in text


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A test module that reads ../shared when it is imported is skipped, with
    the reason, in a clone without ../shared (instead of a collection error)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and isinstance(collector, pytest.Module) and _about_shared(str(report.longrepr)):
        report.outcome = "skipped"
        report.longrepr = (str(collector.path), 0, f"Skipped: {NO_SHARED}")
        report.result = []


def _shared_names(module) -> set[str]:
    """Names of MODULE's globals that point into ../shared."""
    names = {"SHARED", "SEED_JSON", "SAMPLE_JSONS"}
    for name, value in vars(module).items():
        if isinstance(value, (str, Path)) and str(value).startswith(str(SHARED)):
            names.add(name)
    return names


def _mentions(func, names: set[str]) -> bool:
    import inspect
    import re

    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return False
    return any(re.search(rf"\b{re.escape(n)}\b", source) for n in names)


def _uses_shared(item) -> bool:
    """A test that names the shared samples — in its own code, a parameter or
    one of its fixtures."""
    module = getattr(item, "module", None)
    if module is None:
        return False
    names = _shared_names(module)
    params = getattr(getattr(item, "callspec", None), "params", {})
    if any(str(v).startswith(str(SHARED)) for v in params.values()):
        return True
    funcs = [getattr(item, "function", None)]
    for defs in getattr(item, "_fixtureinfo").name2fixturedefs.values():
        funcs += [d.func for d in defs if getattr(d.func, "__module__", "") == module.__name__]
    return any(f is not None and _mentions(f, names) for f in funcs)


def pytest_collection_modifyitems(config, items):
    """In a clone without ../shared, tests that use the samples are skipped
    with the reason."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=NO_SHARED)
    for item in items:
        if _uses_shared(item):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Likewise a test that fails because of a file under the absent ../shared
    (the error names it) but was not recognised at collection."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and _about_shared(str(call.excinfo.value)):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {NO_SHARED}")


def has_soffice() -> bool:
    return shutil.which("soffice") is not None


@pytest.fixture
def cli(capsys):
    """Run ``nianbao ARGS…`` in-process; return (exit code, stdout, stderr)."""
    from nianbao.cli import main

    def run(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def load_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def edited_copy(src: Path, dst: Path, **cells) -> Path:
    """Copy a workbook with some input cells changed, as a clerk would type
    them (keys use "__" for ".": requests__new_received__commercial=12)."""
    import openpyxl

    from nianbao.workbook import layout

    wb = openpyxl.load_workbook(src)
    for key, value in cells.items():
        p = layout.place(key.replace("__", "."))
        wb[p.sheet][p.coord].value = value
    wb.save(dst)
    return dst


#: The demo workbook with one figure wrong (C1 and C3 fail on 依申请公开!E4).
WRONG_CELL = "requests.new_received.commercial"


def folder_only_font(tmp_path: Path) -> Path:
    """A fonts folder holding a font installed nowhere else (matplotlib's
    cmr10, standing in for a licensed 仿宋_GB2312); skips the test when cmr10
    is installed system-wide."""
    import matplotlib

    from nianbao.render.fonts import installed_families

    if "cmr10" in installed_families():
        pytest.skip("cmr10 is installed system-wide; it cannot stand for a folder-only font")
    folder = tmp_path / "字体"
    folder.mkdir()
    shutil.copy(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf", folder)
    return folder
