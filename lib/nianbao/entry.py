"""The ``nianbao`` console command and ``python -m nianbao``.

``nianbao run`` launches its notebook kernel first of all, before the
command's own modules are imported (``earlykernel.launch_for_argv``): the
kernel's ~1 s start-up is the run's critical path. SIGTERM is made an exit
that runs the clean-ups (``procs.on_terminate``) before that, and Ctrl-C at
any moment ends the command with 已中断 and exit code 130, so a run stopped
at once still ends its kernel (at exit). ``run`` and ``batch`` then remove
the private temporary folders of killed runs (``tmpdirs.sweep``). Then
``cli.entry``: ``cli.main`` and a quick exit.
"""
from __future__ import annotations

import sys

from .procs import ending, on_terminate


def main() -> None:
    args = sys.argv[1:]
    try:
        if args[:1] in (["run"], ["batch"]):
            on_terminate()               # SIGTERM from the first moment: an exit that runs the clean-ups
        if args[:1] == ["run"]:
            from .earlykernel import launch_for_argv

            launch_for_argv(args[1:])
        if args[:1] in (["run"], ["batch"]):
            from .tmpdirs import sweep

            sweep()                  # what killed runs and batches left in the temporary folder
        from .cli import entry

        entry()
    except KeyboardInterrupt:        # before cli.main's own handling (it says the same)
        if not ending.done:
            ending()
            print("已中断。", file=sys.stderr)
        sys.exit(130)
    except SystemExit as e:          # SIGTERM before cli.main's own handling (it says the same)
        if e.code == 143 and not ending.done:
            ending()
            print("已终止（收到结束信号）。", file=sys.stderr)
        raise
