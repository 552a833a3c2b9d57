"""Fonts: a CJK font for matplotlib, and the fontconfig map for LibreOffice
(plus an office's licensed fonts, ``--fonts DIR`` / ``$NIANBAO_FONTS``).

Charts must show Chinese on a fresh Debian box, on Windows and on macOS, so
the font is chosen deliberately from a list (system fonts first) instead of
trusting matplotlib's default, which silently draws empty boxes.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from ..errors import InputError, JobError, Problem

#: Family names in order of preference: Debian, Windows, macOS.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "SimHei",
    "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
)

#: Where those fonts live when matplotlib's font cache does not list them
#: (a cache built before the font was installed, or a non-standard folder).
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Microsoft/SimHei.ttf",
)


def _known_families() -> set[str]:
    from matplotlib import font_manager   # on use: the PDF step needs only fontconfig_file

    return {f.name for f in font_manager.fontManager.ttflist}


@lru_cache(maxsize=1)
def cjk_family() -> str:
    """The family name of an installed CJK font, registering it if needed."""
    known = _known_families()
    for name in CJK_FAMILIES:
        if name in known:
            return name
    for path in CJK_FONT_FILES:
        if Path(path).is_file():
            from matplotlib import font_manager

            font_manager.fontManager.addfont(path)
            known = _known_families()
            for name in CJK_FAMILIES:
                if name in known:
                    return name
    raise JobError(Problem(
        "no-cjk-font", "找不到可显示中文的字体，图表中的汉字会变成方框",
        expected="已安装 Noto Sans CJK SC、文泉驿微米黑、微软雅黑、黑体或苹方之一",
        fix="Debian/Ubuntu：sudo apt-get install fonts-noto-cjk；Windows/macOS 自带的中文字体即可"))


def chart_rc() -> dict:
    """rcParams for one chart, used inside ``matplotlib.rc_context``."""
    return {
        "font.family": [cjk_family(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 11,
        "svg.hashsalt": "nianbao",
    }


def fontconfig_file() -> Path:
    """The fontconfig file mapping official 公文 font names to OFL fonts."""
    return Path(str(resources.files(__package__) / "fonts.conf"))


#: Environment variable naming an office's folder of licensed fonts
#: (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体 …) for the PDF conversion.
FONTS_ENV = "NIANBAO_FONTS"


#: What fontconfig reads as a font file (a fonts folder without one is a mistake).
FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc", ".pfb", ".pfa", ".woff", ".woff2"}


def fonts_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The licensed-fonts folder: ``explicit``, else ``$NIANBAO_FONTS``, else None.

    Raises ``InputError`` (exit 2) when the folder named does not exist or
    holds no font file (``FONT_SUFFIXES``, in it or its subfolders).
    """
    raw = explicit if explicit is not None else os.environ.get(FONTS_ENV, "").strip() or None
    if raw is None:
        return None
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise InputError(Problem(
            "fonts-dir-missing", f"字体文件夹“{raw}”不存在或不是文件夹",
            expected="存放本单位已授权字体文件（.ttf/.otf/.ttc）的文件夹",
            fix=f"检查 --fonts 参数或环境变量 {FONTS_ENV}；不指定时 PDF 使用开源替代字体"))
    if not any(f.suffix.lower() in FONT_SUFFIXES for f in path.rglob("*") if f.is_file()):
        raise InputError(Problem(
            "fonts-dir-empty", f"字体文件夹“{raw}”中没有字体文件",
            expected="存放本单位已授权字体文件（.ttf/.otf/.ttc）的文件夹",
            fix="把字体文件放进这个文件夹，或检查是否给错了文件夹；不指定时 PDF 使用开源替代字体"))
    return path


def installed_families(conf: Path | None = None) -> set[str]:
    """Every family name fontconfig knows (all languages' names), with
    ``conf`` as FONTCONFIG_FILE; empty without ``fc-list``."""
    out = _fontconfig("fc-list", ["--format", "%{family}\n"], conf, timeout=120)
    if out is None:
        return set()
    return {f.strip() for line in out.splitlines() for f in line.split(",") if f.strip()}


#: fontconfig's answers, kept for this process's life: ``fc-list`` and
#: ``fc-match`` are programs that load fontconfig's cache each time (~8 ms
#: each, seven per PDF). A batch's kernel template asks once before it forks
#: (``warm_fontconfig``), so every agency's kernel starts with the answers.
#: Keyed on the question and the fontconfig file's text; fonts installed while
#: one process runs (one job, or one batch for the template) are not seen by it.
_answers: dict[tuple, str] = {}


def _fontconfig(tool: str, args: list[str], conf: Path | None, timeout: float) -> str | None:
    """``tool args`` with ``conf`` as FONTCONFIG_FILE: its standard output,
    or None if the tool is missing or fails."""
    try:
        text = conf.read_text(encoding="utf-8") if conf is not None else None
    except OSError:
        text = None
    key = (tool, tuple(args), str(conf) if conf is not None and text is None else None, text)
    if key in _answers:
        return _answers[key]
    exe = shutil.which(tool)
    if exe is None:
        return None
    env = dict(os.environ)
    if conf is not None:
        env["FONTCONFIG_FILE"] = str(conf)
    try:
        out = subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=timeout).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    _answers[key] = out
    return out


_RULE = re.compile(r"\s*<(alias|match)\b.*?</\1>", re.S)
_TESTED = re.compile(r"<(?:test[^>]*>\s*<string>|alias[^>]*>\s*<family>)([^<]+)<")


def conversion_fontconfig(workdir: str | os.PathLike, extra_dir: Path | None = None) -> Path:
    """A fontconfig file for one conversion, written into ``workdir``: the
    system's fonts, the office's folder ``extra_dir`` if given, and the
    stand-in rules of ``fonts.conf`` for those official fonts that are not
    installed (an installed 仿宋_GB2312 is used as it is)."""
    workdir = Path(workdir)
    dirs = f"  <dir>{xml_escape(str(extra_dir))}</dir>\n" if extra_dir else ""
    base = workdir / "fonts-base.conf"
    base.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                    f"{dirs}</fontconfig>\n", encoding="utf-8")
    have = installed_families(base)
    template = fontconfig_file().read_text("utf-8")

    def keep(m: re.Match) -> str:
        tested = _TESTED.search(m.group(0))
        return "" if tested and tested.group(1) in have else m.group(0)
    text = _RULE.sub(keep, template)
    if dirs:
        text = text.replace("<fontconfig>\n", "<fontconfig>\n" + dirs, 1)
    conf = workdir / "fonts.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def resolve_families(names: list[str], conf: Path) -> dict[str, str]:
    """What fontconfig (as LibreOffice sees it with ``conf``) uses for each
    requested family: name → the family actually matched. Empty when
    ``fc-match`` is not installed (not on Windows/macOS)."""
    out: dict[str, str] = {}
    for name in names:
        got = _fontconfig("fc-match", ["-f", "%{family}", name], conf, timeout=60)
        if got is None:
            continue
        got = got.strip()
        families = [f.strip() for f in got.split(",") if f.strip()]
        out[name] = name if name in families else (families[0] if families else "")
    return out


def warm_fontconfig(word_file: str | os.PathLike | None = None) -> None:
    """Ask fontconfig now what each PDF conversion will ask — the installed
    families, and what the fonts of ``word_file`` (default: the Word
    template, whose styles every report uses) resolve to — so that the
    answers are kept (``_answers``). A batch's kernel template calls it once;
    its forked kernels inherit the answers. ``$NIANBAO_FONTS`` is honoured
    as the conversion does; a bad folder is left to the conversion to report."""
    import tempfile

    from .pdf import requested_fonts

    if word_file is None:
        from .office import WARMUP_DOCX as word_file
    try:
        extra = fonts_dir()
    except InputError:
        return
    with tempfile.TemporaryDirectory(prefix="nianbao-fontconfig-") as folder:
        resolve_families(requested_fonts(word_file), conversion_fontconfig(folder, extra))
