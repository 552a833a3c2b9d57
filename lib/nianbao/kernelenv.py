"""What every job kernel is started with, and what it must never see.

Plain constants, with no import of jupyter or of the rest of nianbao, so
that ``nianbao run`` can launch its kernel before it imports anything else
(``earlykernel.launch_for_argv``); ``kernelpool``, ``forkserver`` and
``job`` use the same ones.
"""
from __future__ import annotations

#: nbclient's default (``NotebookClient.ipython_hist_file``): no history file
#: on disk, so parallel kernels do not lock one sqlite file.
EXTRA_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
#: Run silently in the next kernel as soon as it is up, while the current job
#: still runs: the libraries the annual notebook imports (libraries only, no
#: agency's data), so the job does not wait for them. A failure here is
#: ignored: the notebook's own import then fails visibly.
#: It is what a job's kernel imports (listed from ``sys.modules`` after a run
#: of the shipped notebook) and what the benchmarks' empty notebook imports
#: (T_empty: "an empty notebook that imports the same libraries").
PRELOAD = ("import pandas, pandas.io.formats.style, matplotlib, matplotlib.pyplot, matplotlib_inline.backend_inline, "
           "matplotlib.backends.backend_svg, docx, cn2an, defusedcsv, PIL.Image\n"
           "import nianbao.steps, nianbao.check, nianbao.check.rules, nianbao.check.annotate, nianbao.render, "
           "nianbao.render.docx, nianbao.render.html, nianbao.render.pdf, nianbao.render.charts, nianbao.render.office, nianbao.charts, nianbao.compare, nianbao.workbook.reader")
#: Environment variables no notebook kernel may see: the kernel runs an
#: analyst's cells, the sign-off mail is sent by the command.
SECRET_ENV = frozenset({"NIANBAO_SMTP_PASSWORD"})
