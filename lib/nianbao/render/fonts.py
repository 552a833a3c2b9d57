"""Fonts: a CJK font for matplotlib, and the fontconfig map for LibreOffice.

Charts must show Chinese on a fresh Debian box, on Windows and on macOS, so
the font is chosen deliberately from a list (system fonts first) instead of
trusting matplotlib's default, which silently draws empty boxes.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import JobError, Problem

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
