"""The ``nianbao`` console command and ``python -m nianbao``.

``nianbao run`` launches its notebook kernel first of all, before the
command's own modules are imported (``earlykernel.launch_for_argv``): the
kernel's ~1 s start-up is the run's critical path. Then ``cli.entry``:
``cli.main`` and a quick exit.
"""
from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["run"]:
        from .earlykernel import launch_for_argv

        launch_for_argv(args[1:])
    from .cli import entry

    entry()
