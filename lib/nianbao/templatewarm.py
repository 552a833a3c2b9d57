"""What a batch's kernel template prepares once, before it forks one kernel
per agency (``forkserver``): the caches each job would otherwise fill again
in its fresh kernel. Libraries and tools only, never an agency's data:

- fontconfig's answers for the PDF step (``render.fonts.warm_fontconfig``:
  one ``fc-list`` and six ``fc-match`` per report otherwise);
- the HTML report's Jinja template, compiled (``render.html``);
- matplotlib's text measurements, font lookups and glyph layouts
  (``render.chartwarm.warm``: the five standard charts drawn in memory for a
  made-up agency, kept by ``render.textcache``; ~0.6 s once, ~0.25 s less
  CPU per agency's charts).

Each part is optional: a failure leaves that cache cold (the job fills it,
and says what is wrong if it must). ``warm()`` returns the parts that
failed, as "name: error" lines, for the template's ready message.
"""
from __future__ import annotations


def _fontconfig() -> None:
    from .render.fonts import warm_fontconfig

    warm_fontconfig()


def _html_template() -> None:
    from .render.html import _ENV

    _ENV.get_template("report.html.j2")


def _charts() -> None:
    from .render.chartwarm import warm

    if warm() is None:
        raise RuntimeError("chartwarm.warm() could not draw")


#: name -> what it warms, in order
PARTS = {"fontconfig": _fontconfig, "html-template": _html_template, "charts": _charts}


def warm() -> list[str]:
    """Fill every cache in ``PARTS``; the failures, as "name: error"."""
    failed = []
    for name, part in PARTS.items():
        try:
            part()
        except Exception as e:
            failed.append(f"{name}: {type(e).__name__}: {e}")
    return failed
